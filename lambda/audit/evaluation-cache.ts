import type { ErrorObject } from 'ajv';
import { rulePart } from '../core/fingerprint.js';
import { flattened } from '../core/intern.js';
import { type Describer, pointerOf, type Site, sentence, siteAt, valueAtSite } from '../core/message.js';
import type { CompiledPolicy } from '../policy/compile.js';

/**
 * What an Evaluator keeps between rooms: one PolicyMemo per policy, all sharing one bound. Rooms fail the same few checks over and over,
 * so per policy it remembers each place an error points to (the pointer parsed once, one shared
 * pointer string), its fingerprint half, and the sentences already written there by value: rooms
 * with the same value share one message string. Shared messages are what keep a first audit of
 * 50,000 rooms (114,554 findings) inside the Lambda's memory: each sentence built by concatenation
 * is its own tree of fragments, 35 MB of them when every finding had its own.
 *
 * Bounded: past the limits (a policy set whose values are all different) it computes without
 * storing. Evaluation gives the same findings with no cache at all (test/audit/evaluator.test.ts).
 */
export function policyMemos(policies: readonly CompiledPolicy[]): PolicyMemo[] {
  const room: Room = { sites: 10_000, sentences: 50_000 };
  return policies.map((compiled) => new PolicyMemo(compiled, room));
}

/** Entries left before the cache stops growing (shared by every policy of the set). */
interface Room {
  sites: number;
  sentences: number;
}

interface SharedSite extends Site {
  /** Sentences written at this site, by the (primitive) value found; none when not shareable. */
  sentences?: Map<unknown, string>;
}

export class PolicyMemo {
  /** Schema location → pointer → site. */
  private readonly sites = new Map<string, Map<string, SharedSite>>();
  /** Pointer → fingerprint half of (this policy, pointer). */
  private readonly ruleParts = new Map<string, string>();
  /** Custom messages by their words (see `sameAs`). */
  private readonly customSentences = new Map<string, string>();
  /** With `$data`, a limit comes from the room itself: one value no longer means one sentence. */
  private readonly valueDecidesSentence: boolean;

  constructor(
    private readonly compiled: CompiledPolicy,
    private readonly room: Room,
  ) {
    this.valueDecidesSentence = !JSON.stringify(compiled.policy.rule).includes('"$data"');
  }

  readonly describe: Describer = (error, doc) => {
    const site = this.siteOf(error);
    const found = valueAtSite(doc, site);
    const shared = this.valueDecidesSentence && error.keyword !== 'errorMessage' && shareable(found);
    const key = shared ? sentenceKey(found) : undefined;
    let message = shared ? site.sentences?.get(key) : undefined;
    if (message === undefined) {
      message = flattened(sentence(error, site, found));
      if (shared && site.sentences && this.room.sentences > 0) {
        site.sentences.set(key, message);
        this.room.sentences--;
      } else if (error.keyword === 'errorMessage') {
        message = this.sameAs(message);
      }
    }
    return found.present ? { path: site.path, actual: found.value, message } : { path: site.path, message };
  };

  /**
   * One shared copy of a custom message (ajv-errors' `errorMessage`) already written in the same
   * words. Its words may quote other fields of the room, so the value at the site cannot key it, but
   * rooms that fail alike still say the same thing: 31,269 rooms of the bench's 50,000 each held their
   * own copy of one of 7 "logging configuration … is NOT_FOUND" sentences (4.8 MB through delivery).
   * Bounded like the sentences, and only short texts.
   */
  private sameAs(message: string): string {
    if (message.length > MAX_SHARED_CUSTOM_LENGTH) return message;
    const known = this.customSentences.get(message);
    if (known !== undefined) return known;
    if (this.room.sentences > 0) {
      this.customSentences.set(message, message);
      this.room.sentences--;
    }
    return message;
  }

  rulePart(path: string): string {
    let half = this.ruleParts.get(path);
    if (half === undefined) {
      half = rulePart(this.compiled.policy.id, path);
      if (this.ruleParts.size < 1_000) this.ruleParts.set(path, half);
    }
    return half;
  }

  private siteOf(error: ErrorObject): SharedSite {
    const path = pointerOf(error);
    let byPath = this.sites.get(error.schemaPath);
    if (byPath === undefined) {
      byPath = new Map();
      this.sites.set(error.schemaPath, byPath);
    }
    let site = byPath.get(path);
    if (site === undefined) {
      if (this.room.sites === 0) return siteAt(path); // full: a site used once, without sentences
      site = { ...siteAt(path), sentences: new Map() };
      byPath.set(path, site);
      this.room.sites--;
    }
    return site;
  }
}

/**
 * Only primitive values and empty containers key a shared sentence: any other object or a long
 * string would be kept alive by the table. An absent value keys as `undefined` (no present value is
 * `undefined` in JSON). An empty list is the common case of a list-valued field (a room with no
 * logging configurations: 18,731 rooms of 50,000 wrote each their own "… is empty" sentence).
 */
function shareable(found: { present: boolean; value?: unknown }): boolean {
  const { value } = found;
  if (!found.present) return true;
  if (value === undefined) return false;
  if (value !== null && typeof value === 'object') return emptyContainer(value) !== undefined;
  return typeof value !== 'string' || value.length <= 256;
}

/** What keys the sentence of a shareable value: the value itself, or one key per kind of empty container. */
function sentenceKey(found: { present: boolean; value?: unknown }): unknown {
  const { value } = found;
  return value !== null && typeof value === 'object' ? emptyContainer(value) : value;
}

/** The longest custom message shared: a longer one most likely quotes something of its own room. */
const MAX_SHARED_CUSTOM_LENGTH = 512;

/** Sentences say the same of every empty list (and of every empty object): one key for each. */
const EMPTY_LIST = Symbol('empty list');
const EMPTY_OBJECT = Symbol('empty object');

function emptyContainer(value: object): symbol | undefined {
  if (Array.isArray(value)) return value.length === 0 ? EMPTY_LIST : undefined;
  return Object.keys(value).length === 0 ? EMPTY_OBJECT : undefined;
}
