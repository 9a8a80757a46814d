/**
 * An alert split into SNS messages that each fit the SNS size limit (one message when the whole
 * alert fits); each message is built by sns-message.ts.
 */
import {
  type Alert,
  type NotAuditedTarget,
  type OmittedCounts,
  renderOrder,
  sortNotAudited,
} from '../alert/alert.js';
import { truncate } from '../core/truncate.js';
import type { Finding } from '../core/types.js';
import { renderFinding } from '../render/email.js';
import { utf8Bytes } from '../render/escape.js';
import { shownFinding } from '../render/remediation.js';
import { renderSlack } from '../render/slack.js';
import {
  type ItemFinding,
  messageBytes,
  type PublishInput,
  SNS_MAX_BYTES,
  snsMessage,
} from './sns-message.js';

/** More parts than this and the rest of the run is counted, not listed: nobody reads 40 emails. */
export const DEFAULT_MAX_PARTS = 10;
/** Part labels differ in length between the sizing pass and the final render: keep a margin. */
const LABEL_MARGIN = 1024;

export interface BuildOptions {
  /** Upper bound for Message + Subject + attribute names, types and values, in UTF-8 bytes. */
  maxBytes?: number;
  /** At most this many messages per run; findings beyond them are counted in the last one. */
  maxParts?: number;
}

/** Raised when even a findings-free summary cannot fit `maxBytes` (only with absurdly small limits). */
export class MessageTooLargeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MessageTooLargeError';
  }
}

type Kind = 'new' | 'resolved' | 'reminders';
/** One listed thing: a finding of a section, or a target not audited (packed before every finding). */
type Item = { kind: Kind; finding: ItemFinding } | { kind: 'notAudited'; target: NotAuditedTarget };

/**
 * The SNS publishes for one run: normally one message whose JSON structure carries the Slack
 * custom notification (`default`, `https`), the email body (`email`, `email-json`) and the machine
 * JSON (`sqs`, `lambda`). When that exceeds the SNS limit the findings are split into numbered
 * parts, each within the limit; past `maxParts`, or for a finding too large on its own even when
 * compacted, the remainder is counted in the last message instead of listed. Targets not audited
 * come first, so they are in part 1 (and only there, unless they alone overflow it). No returned
 * message is ever over `maxBytes`.
 */
export function buildSnsMessages(alert: Alert, opts: BuildOptions = {}): PublishInput[] {
  const maxBytes = opts.maxBytes ?? SNS_MAX_BYTES;
  const maxParts = Math.max(1, opts.maxParts ?? DEFAULT_MAX_PARTS);
  const items = toItems(alert);
  const whole = wholeMessage(alert, items, maxBytes);
  if (whole) return [whole];
  return new PartPacker(alert, items, maxBytes).parts(maxParts);
}

/**
 * The alert as one message, when it fits. Rendering a run with tens of thousands of findings in one
 * piece only to learn it is too big costs hundreds of megabytes: it is tried only when the estimate
 * says it may fit.
 */
function wholeMessage(alert: Alert, items: readonly Item[], maxBytes: number): PublishInput | undefined {
  let estimate = 0;
  for (const item of items) {
    estimate += estimateCost(item);
    if (estimate > maxBytes * 2) return undefined;
  }
  const whole = build(alert, [...items], alert.omitted ?? noneOmitted());
  return messageBytes(whole) <= maxBytes ? whole : undefined;
}

const noneOmitted = (): OmittedCounts => ({ new: 0, resolved: 0, reminders: 0 });
const isTarget = (item: Item) => item.kind === 'notAudited';

/**
 * Cuts an alert too large for one message into parts: greedy packing on an estimate, then every
 * chunk checked by rendering it for real (with a part label's worth of margin). Targets not audited
 * lead the items and are listed in part 1 only (a reader must not have to hunt for them), as many
 * as fit there; the rest are counted there. Past `maxParts`, and for a finding too large to list
 * even compacted, the rest is counted in the last part.
 */
class PartPacker {
  private readonly budget: number;
  private readonly baseOmitted: OmittedCounts;
  /** Chunks that fit as parts, in order. */
  private readonly verified: Item[][] = [];
  /** Items too large for a part of their own, even compacted: counted, not listed. */
  private readonly dropped: Item[] = [];
  /** Targets not audited that part 1 has no room for: counted there. */
  private unlistedTargets: Item[] = [];

  constructor(
    private readonly alert: Alert,
    private readonly items: readonly Item[],
    private readonly maxBytes: number,
  ) {
    this.budget = maxBytes - LABEL_MARGIN;
    this.baseOmitted = alert.omitted ?? noneOmitted();
  }

  parts(maxParts: number): PublishInput[] {
    const capacity = Math.max(1, this.budget - this.overhead());
    const listed = this.listedTargets();
    this.unlistedTargets = this.items.filter(isTarget).slice(listed.length);
    const packed = [...listed, ...this.items.filter((item) => !isTarget(item))];
    const unrendered = this.pack(packed, capacity, maxParts);
    const { kept, rest } = this.countRest(maxParts, unrendered);
    const count = kept.length;
    return kept.map((chunk, i) => {
      const label = count > 1 ? `part ${i + 1}/${count}` : undefined;
      const message = build(this.alert, chunk, this.omittedAt(i, count, rest), label, {
        index: i + 1,
        count,
      });
      if (messageBytes(message) > this.maxBytes) {
        throw new MessageTooLargeError(
          `part ${i + 1}/${count} is ${messageBytes(message)} bytes after labelling`,
        );
      }
      return message;
    });
  }

  /** What every part carries besides its items: a summary listing nothing, and the Slack notification. */
  private overhead(): number {
    const empty = build(this.alert, [], addCounts(this.baseOmitted, this.items), 'part 00/00');
    if (messageBytes(empty) > this.budget) {
      throw new MessageTooLargeError(
        `even a summary without findings is ${messageBytes(empty)} bytes, over the ${this.maxBytes}-byte limit`,
      );
    }
    return messageBytes(empty) + slackReserve(this.alert);
  }

  private fits(chunk: Item[], omitted: OmittedCounts = noneOmitted()): boolean {
    return messageBytes(build(this.alert, chunk, omitted, 'part 00/00')) <= this.budget;
  }

  /** The targets not audited part 1 can list: all of them, or the most that fit with the rest counted. */
  private listedTargets(): Item[] {
    const all = this.items.filter(isTarget);
    if (all.length === 0 || this.fits(all)) return all;
    let lo = 0;
    let hi = all.length - 1;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (this.fits(all.slice(0, mid), addCounts(noneOmitted(), all.slice(mid)))) lo = mid;
      else hi = mid - 1;
    }
    return all.slice(0, lo);
  }

  /**
   * Cuts `packed` into chunks on the estimate and verifies each as it is cut; once `maxParts` are
   * full, the remaining items are only counted, so they are never rendered. Returns those.
   */
  private pack(packed: readonly Item[], capacity: number, maxParts: number): Item[] {
    let current: Item[] = [];
    let used = 0;
    let next = 0;
    for (; next < packed.length && this.verified.length < maxParts; next++) {
      const item = packed[next] as Item;
      const cost = estimateCost(item);
      if (current.length > 0 && used + cost > capacity && !isTarget(item)) {
        this.settleChunk(current);
        current = [];
        used = 0;
        if (this.verified.length >= maxParts) break;
      }
      current.push(item);
      used += cost;
    }
    if (current.length > 0 && this.verified.length < maxParts) this.settleChunk(current);
    else next -= current.length;
    return packed.slice(Math.max(0, next));
  }

  /** Keeps a chunk's targets not audited whole (they fit on their own: see listedTargets); splits only its findings. */
  private settleChunk(chunk: Item[]): void {
    const targets = chunk.filter(isTarget);
    if (targets.length === 0 || this.fits(chunk)) {
      this.settle(chunk);
      return;
    }
    this.verified.push(targets);
    const findings = chunk.filter((item) => !isTarget(item));
    if (findings.length > 0) this.settle(findings);
  }

  /** A chunk as a part when it fits; else its halves; a single item too large is compacted, or dropped. */
  private settle(chunk: Item[]): void {
    if (this.fits(chunk)) {
      this.verified.push(chunk);
    } else if (chunk.length > 1) {
      const mid = Math.ceil(chunk.length / 2);
      this.settle(chunk.slice(0, mid));
      this.settle(chunk.slice(mid));
    } else {
      const [only] = chunk;
      if (!only) return;
      const compact = compactItem(only);
      if (this.fits([compact])) this.verified.push([compact]);
      else this.dropped.push(only);
    }
  }

  /**
   * The parts kept (at most `maxParts`) and what the last one counts (`rest`): the items past
   * `maxParts`, those dropped, those never rendered, and as many of the last part's own as the count
   * needs room. Counted, not listed: a first audit leaves 140,000 findings to count, and a list
   * copied for each item moved was tens of megabytes of garbage.
   */
  private countRest(
    maxParts: number,
    unrendered: readonly Item[],
  ): { kept: Item[][]; rest: OmittedCounts | undefined } {
    let kept = this.verified.slice(0, maxParts);
    const beyond = [...this.verified.slice(maxParts).flat(), ...this.dropped];
    if (beyond.length === 0 && unrendered.length === 0) return { kept, rest: undefined };
    let rest = addCounts(addCounts(noneOmitted(), beyond), unrendered);
    if (kept.length === 0) kept = [[]];
    const last = [...(kept.at(-1) ?? [])];
    while (last.length > 0 && !this.fits(last, this.omittedAt(kept.length - 1, kept.length, rest))) {
      const moved = last.pop();
      if (moved) rest = addCounts(rest, [moved]);
    }
    kept = [...kept.slice(0, -1), last];
    return { kept, rest };
  }

  /** What part `index` of `count` counts without listing: part 1 the unlisted targets, the last part `rest`. */
  private omittedAt(index: number, count: number, rest: OmittedCounts | undefined): OmittedCounts {
    let counts = this.baseOmitted;
    if (index === 0) counts = addCounts(counts, this.unlistedTargets);
    if (index === count - 1 && rest) counts = sumCounts(counts, rest);
    return counts;
  }
}

function toItems(alert: Alert): Item[] {
  const wrap = (kind: Kind, findings: Finding[]): Item[] =>
    renderOrder(alert, findings).map((finding) => ({ kind, finding }));
  return [
    ...sortNotAudited(alert.notAudited ?? []).map((target): Item => ({ kind: 'notAudited', target })),
    ...wrap('new', alert.newFindings),
    ...wrap('resolved', alert.resolvedFindings),
    ...wrap('reminders', alert.reminders),
  ];
}

/** The part of `alert` that lists `items` and counts `omitted`, labelled when it is one of several. */
function build(
  alert: Alert,
  items: Item[],
  omitted: OmittedCounts,
  partLabel?: string,
  position?: { index: number; count: number },
): PublishInput {
  const of = (kind: Kind) => items.flatMap((i) => (i.kind === kind ? [i.finding] : []));
  const part: Alert = {
    ...alert,
    newFindings: of('new'),
    resolvedFindings: of('resolved'),
    reminders: of('reminders'),
    omitted,
    notAudited: items.flatMap((i) => (i.kind === 'notAudited' ? [i.target] : [])),
  };
  if (partLabel) part.partLabel = partLabel;
  return snsMessage(part, position && partLabel ? { label: partLabel, ...position } : undefined);
}

function addCounts(base: OmittedCounts, items: readonly Item[]): OmittedCounts {
  const counts = { ...base };
  for (const item of items) counts[item.kind] = (counts[item.kind] ?? 0) + 1;
  return counts;
}

/** Both counts added, kind by kind. */
function sumCounts(a: OmittedCounts, b: OmittedCounts): OmittedCounts {
  const counts = { ...a };
  for (const [kind, n] of Object.entries(b) as [keyof OmittedCounts, number | undefined][]) {
    counts[kind] = (counts[kind] ?? 0) + (n ?? 0);
  }
  return counts;
}

/** Bytes an item adds: its email block twice and its JSON twice, each JSON-escaped once more inside Message. */
function estimateCost(item: Item): number {
  if (item.kind === 'notAudited') {
    const { accountId, region, reason } = item.target;
    const line = `  ${accountId}  ${region}: ${reason} (failing for 00000 runs)`;
    return Math.ceil(
      2 * utf8Bytes(JSON.stringify(JSON.stringify(item.target))) + 2.2 * utf8Bytes(JSON.stringify(line)) + 64,
    );
  }
  const json = JSON.stringify(shownFinding(item.finding));
  const block = renderFinding(item.finding, { resolved: item.kind === 'resolved' }).join('\n');
  return Math.ceil(2 * utf8Bytes(JSON.stringify(json)) + 2.2 * utf8Bytes(JSON.stringify(block)) + 64);
}

/** The Slack notification is bounded (8,000-character description); reserve what the whole alert's takes. */
function slackReserve(alert: Alert): number {
  return 2 * utf8Bytes(JSON.stringify(JSON.stringify(renderSlack(alert))));
}

/** An item cut down to fit a message on its own. */
function compactItem(item: Item): Item {
  if (item.kind === 'notAudited')
    return { ...item, target: { ...item.target, reason: truncate(item.target.reason, 1000) } };
  return { ...item, finding: compactFinding(item.finding) };
}

/** A finding cut down to fit a message on its own: long texts shortened, `actual` previewed. */
function compactFinding(f: ItemFinding): ItemFinding {
  const compact: ItemFinding = {
    ...f,
    message: truncate(f.message, 1000),
    remediationTemplate: truncate(f.remediationTemplate, 1000),
    title: truncate(f.title, 300),
    roomName: truncate(f.roomName, 256),
  };
  if (f.actual !== undefined) {
    const text = typeof f.actual === 'string' ? f.actual : JSON.stringify(f.actual);
    if (text !== undefined && text.length > 500) {
      compact.actual = truncate(text, 500);
      compact.actualTruncated = true;
    }
  }
  return compact;
}
