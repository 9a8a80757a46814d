/** What the demos print: headings, boxed text, alert excerpts, and the alerts as their readers see them. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { CustomNotification } from '../lambda/render/slack.js';
import {
  IVSCHAT_RATE_LIMITS,
  type LocalAws,
  type OperationStats,
  type PublishedMessage,
} from '../local-aws/index.js';

export const WIDTH = 120;
/** `npm run demo -- --full` prints long alerts in full instead of an excerpt. */
export const FULL = process.argv.includes('--full');
export const SAVE_DIR = join(tmpdir(), 'ivschat-auditor-demo');

export const rel = (p: string) => relative(process.cwd(), p) || '.';
export const out = (line = '') => process.stdout.write(`${line}\n`);

export function heading(title: string): void {
  out();
  out('='.repeat(WIDTH));
  out(title);
  out('='.repeat(WIDTH));
}

export function subheading(title: string): void {
  out();
  out(`--- ${title} ${'-'.repeat(Math.max(3, WIDTH - title.length - 5))}`);
}

/**
 * Prints text inside a left rule. Lines wider than the page wrap at a space (or hard, for a long
 * word), continuing under the value of a `Label: value` line.
 */
export function boxed(text: string): void {
  const inner = WIDTH - 4;
  for (const line of text.replace(/\n$/, '').split('\n')) {
    const indent = ' '.repeat(Math.min(40, /^(\s*(?:[\w ]+:\s+|\d+\.\s|• ))?/.exec(line)?.[0].length ?? 0));
    let rest = line;
    let first = true;
    while (rest.length > 0) {
      const room = first ? inner : inner - indent.length;
      if (rest.length <= room) {
        out(`  | ${first ? '' : indent}${rest}`);
        break;
      }
      const space = rest.lastIndexOf(' ', room);
      const cut = space > room / 2 ? space : room;
      out(`  | ${first ? '' : indent}${rest.slice(0, cut)}`);
      rest = rest.slice(cut).replace(/^ /, '');
      first = false;
    }
    if (line === '') out('  |');
  }
}

/**
 * A long email cut for the screen: its first blocks up to about `head` lines (cut at a blank line,
 * so no finding is shown half), a marker saying what was left out, and the footer from `--` on.
 */
export function excerpt(text: string, head: number, note: string): string {
  const lines = text.replace(/\n$/, '').split('\n');
  const footer = lines.lastIndexOf('--');
  const tailFrom = footer > 0 ? footer : lines.length;
  if (FULL || tailFrom <= head + 10) return text;
  const cut = lines.lastIndexOf('', head);
  const end = cut > 0 ? cut : head;
  return [
    ...lines.slice(0, end),
    '',
    `[... ${tailFrom - end} more lines not shown: ${note} ...]`,
    '',
    ...lines.slice(tailFrom),
  ].join('\n');
}

export function showAlerts(runName: string, messages: PublishedMessage[]): void {
  mkdirSync(SAVE_DIR, { recursive: true });
  messages.forEach((m, i) => {
    const label = messages.length > 1 ? ` ${i + 1}/${messages.length}` : '';
    const parts = m.messages ?? {};
    const saved = join(SAVE_DIR, `${runName}${messages.length > 1 ? `-part${i + 1}` : ''}.json`);
    writeFileSync(saved, `${JSON.stringify(m, null, 2)}\n`);
    const email = String(parts.email ?? '(no email body)');
    const emailFile = saved.replace(/\.json$/, '-email.txt');
    writeFileSync(emailFile, `Subject: ${m.subject ?? ''}\n\n${email}`);

    subheading(
      `EMAIL${label}: what an email subscriber receives (key "email" of the JSON message structure)`,
    );
    out(`  Subject: ${m.subject ?? '(none)'}`);
    out();
    boxed(excerpt(email, 45, `the other findings, same layout; the full body is in ${emailFile}`));

    subheading(
      `SLACK${label}: the custom notification in key "default", as Amazon Q Developer shows it in Slack`,
    );
    const slack = JSON.parse(String(parts.default ?? '{}')) as CustomNotification;
    const steps = slack.content.nextSteps;
    const lines = [
      slack.content.title,
      '',
      slack.content.description,
      ...(steps.length > 0 ? ['', 'Next steps', ...steps.map((step, n) => `${n + 1}. ${step}`)] : []),
      '',
      `keywords: ${slack.content.keywords.join(' · ')}`,
      `thread: ${slack.metadata.threadId}   event: ${slack.metadata.eventType}`,
    ];
    boxed(lines.join('\n'));

    subheading('SNS message attributes (what subscription filter policies match on)');
    for (const [name, attr] of Object.entries(m.messageAttributes))
      out(
        `  ${name.padEnd(14)} ${attr.DataType.padEnd(13)} ${attr.StringValue ?? attr.BinaryValue ?? ''}`.replace(
          /(.{100,}?,)/,
          `$1\n${' '.repeat(31)}`,
        ),
      );
    out();
    out(`  Read back from the emulator (aws.published()): published ${m.timestamp}`);
    out(
      `  to ${m.topicArn}, ${Buffer.byteLength(m.message)} bytes, MessageStructure=${m.messageStructure ?? '-'},`,
    );
    out(`  keys ${Object.keys(parts).join(', ')}.`);
    out(`  The whole message: ${saved}`);
  });
}

export function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}

/** What the emulator's sinks hold: SNS messages, Security Hub imports (retries too), EventBridge events. */
export interface SinkCounts {
  sns: number;
  securityHubImports: number;
  events: number;
}

export function sinkCounts(aws: LocalAws): SinkCounts {
  return {
    sns: aws.published().length,
    securityHubImports: aws.securityHubFindings().reduce((n, f) => n + f.imports, 0),
    events: aws.events().length,
  };
}

/** What the sinks received since `before`, read back from the emulator. */
export function sinksSince(aws: LocalAws, before: SinkCounts): SinkCounts {
  const now = sinkCounts(aws);
  return {
    sns: now.sns - before.sns,
    securityHubImports: now.securityHubImports - before.securityHubImports,
    events: now.events - before.events,
  };
}

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * One region's calls as the emulator counted them, and the busiest IVS Chat operation's peak: the
 * API budget is per IVS Chat operation, so a burst of another service's calls (PutEvents) is not it.
 */
export function callsLine(ops: Readonly<Record<string, OperationStats>>): string {
  const calls = Object.entries(ops)
    .map(([op, s]) => `${op} ${s.calls}${s.throttled ? ` (${s.throttled} throttled)` : ''}`)
    .join(', ');
  const ivschat = Object.entries(ops).filter(([op]) => op in IVSCHAT_RATE_LIMITS);
  const [busiest, stat] = ivschat.sort((a, b) => b[1].maxObservedTps - a[1].maxObservedTps)[0] ?? [];
  const peak = stat ? `IVS Chat peak ${stat.maxObservedTps} calls/s (${busiest})` : 'no IVS Chat call';
  return `API calls: ${calls || 'none'}; ${peak}`;
}

/** What a run delivered, sink by sink, beside the handler's own total (`published`, every sink's). */
export function deliveredLine(d: SinkCounts, published: number): string {
  return (
    `${plural(d.sns, 'SNS message')} to the alert topic, ${plural(d.securityHubImports, 'Security Hub finding')}, ` +
    `${plural(d.events, 'EventBridge event')} (the handler's "published": ${published}, all sinks)`
  );
}
