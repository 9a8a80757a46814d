import {
  type DiffRoom,
  type GuardTrip,
  POLICY_CHANGES,
  type PolicyDiff,
  type PolicyDiffEntry,
  type PolicyEdit,
} from '../audit/policy-diff.js';
import { truncate } from '../core/truncate.js';
import { SEVERITIES } from '../core/types.js';
import { stripControl } from './escape.js';
import { escapeGitHubMarkdown as md } from './github-markdown.js';

/** Rooms listed per policy and direction in a PR comment; the rest are counted ("and N more"). */
export const MARKDOWN_ROOMS_PER_LIST = 10;
/** A remediation text or fix longer than this is cut in a PR comment (GitHub takes 65,536 characters). */
export const MARKDOWN_EDIT_CHARS = 2000;

export function renderDiffJson(diff: PolicyDiff): string {
  return `${JSON.stringify(diff, null, 2)}\n`;
}

/** For a terminal: every room listed, control characters removed from room data. */
export function renderDiffText(diff: PolicyDiff): string {
  const lines = [
    `policies diff: ${stripControl(diff.base)} -> ${stripControl(diff.head)}, ${rooms(diff.roomsEvaluated)} evaluated`,
    '',
  ];
  const width = Math.max(6, ...diff.policies.map((p) => p.id.length));
  const changeWidth = Math.max(9, ...diff.policies.map((p) => changeLabel(p).length));
  lines.push(
    `${'policy'.padEnd(width)}  ${'change'.padEnd(changeWidth)}  ${'findings'.padStart(12)}  ${'new'.padStart(5)}  fixed`,
  );
  for (const p of diff.policies) {
    lines.push(
      `${stripControl(p.id).padEnd(width)}  ${changeLabel(p).padEnd(changeWidth)}  ${`${p.before} -> ${p.after}`.padStart(12)}  ${`+${p.newlyFailing.length}`.padStart(5)}  -${p.noLongerFailing.length}`,
    );
  }
  const t = diff.totals;
  lines.push(
    `${'total'.padEnd(width)}  ${''.padEnd(changeWidth)}  ${`${t.before} -> ${t.after}`.padStart(12)}  ${`+${t.newlyFailing}`.padStart(5)}  -${t.noLongerFailing}`,
  );
  const routes = Object.entries(diff.routes ?? {});
  if (routes.length > 0) {
    const moved = routes.map(([id, c]) => `${stripControl(id)} ${c.before} -> ${c.after}`);
    lines.push('', `findings by route: ${moved.join(', ')}`);
  }
  for (const p of diff.policies) {
    for (const edit of p.edits ?? []) {
      lines.push('', `${stripControl(p.id)}: ${edit.field} edited`);
      lines.push(`  before: ${stripControl(editValue(edit, 'before'))}`);
      lines.push(`  after:  ${stripControl(editValue(edit, 'after'))}`);
    }
  }
  for (const p of diff.policies) {
    for (const [heading, list] of [
      ['newly failing', p.newlyFailing],
      ['no longer failing', p.noLongerFailing],
    ] as const) {
      if (list.length === 0) continue;
      lines.push('', `${stripControl(p.id)} (${severityWord(p.severity)}): ${list.length} ${heading}`);
      for (const r of list) {
        lines.push(
          `  ${stripControl(r.roomName || r.roomArn)} (${stripControl(`${r.accountId} ${r.region}`)})  ${stripControl(r.message)}`,
        );
      }
    }
  }
  for (const e of diff.errors) {
    lines.push('', `error (${e.side}): ${stripControl(`${e.roomArn ?? ''} ${e.message}`)}`);
  }
  for (const trip of diff.guard.tripped) lines.push('', `GUARD: ${guardText(trip)}`);
  return `${lines.join('\n')}\n`;
}

/**
 * A pull-request comment a reviewer takes in at a glance: one table of the policies the change
 * touches, the guard if it tripped, then per policy a collapsed list of rooms. Every value that
 * comes from room data, the policy files or the command line goes through escapeGitHubMarkdown.
 */
export function renderDiffMarkdown(diff: PolicyDiff): string {
  const t = diff.totals;
  const out = [
    '### ivschat-audit policy preview',
    '',
    `**+${t.newlyFailing} newly failing, −${t.noLongerFailing} no longer failing** over ${rooms(diff.roomsEvaluated)} · base ${md(diff.base)} → head ${md(diff.head)}`,
    '',
  ];
  const touched = diff.policies.filter(
    (p) =>
      p.change !== 'unchanged' ||
      p.newlyFailing.length > 0 ||
      p.noLongerFailing.length > 0 ||
      (p.edits ?? []).length > 0,
  );
  if (touched.length === 0) {
    out.push('No policy changes what is found.', '');
  } else {
    out.push('| Policy | Change | Findings | New | Fixed |', '| --- | --- | --- | ---: | ---: |');
    for (const p of touched) {
      out.push(
        `| ${md(p.id)} | ${md(changeLabel(p))} | ${p.before} → ${p.after} | +${p.newlyFailing.length} | −${p.noLongerFailing.length} |`,
      );
    }
    out.push(`| **Total** | | ${t.before} → ${t.after} | +${t.newlyFailing} | −${t.noLongerFailing} |`, '');
  }
  const unchanged = diff.policies.filter((p) => !touched.includes(p));
  if (unchanged.length > 0) out.push(`Unchanged: ${unchanged.map((p) => md(p.id)).join(', ')}.`, '');
  const severities = Object.entries(t.bySeverity).map(([s, c]) => `${md(s)} ${c.before} → ${c.after}`);
  if (severities.length > 0) out.push(`By severity: ${severities.join(' · ')}`, '');
  const accounts = Object.entries(t.byAccount)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([a, c]) => `${md(a)} +${c.newlyFailing} −${c.noLongerFailing}`);
  if (accounts.length > 1) out.push(`By account: ${accounts.join(' · ')}`, '');
  const routes = Object.entries(diff.routes ?? {}).map(([id, c]) => `${md(id)} ${c.before} → ${c.after}`);
  if (routes.length > 0) out.push(`By route (alerts): ${routes.join(' · ')}`, '');

  if (diff.guard.tripped.length > 0) {
    out.push('> [!CAUTION]');
    for (const trip of diff.guard.tripped) out.push(`> **Guard tripped:** ${md(guardText(trip))}  `);
    out.push('');
  }
  if (diff.errors.length > 0) {
    out.push(
      `> [!WARNING]\n> ${diff.errors.length} rule error(s): some rooms could not be checked, so some counts are incomplete. Run the command locally to see them.`,
      '',
    );
  }
  for (const p of touched) {
    if (p.newlyFailing.length === 0 && p.noLongerFailing.length === 0) continue;
    out.push(
      `<details><summary>${md(p.id)}: +${p.newlyFailing.length} newly failing, −${p.noLongerFailing.length} no longer failing</summary>`,
      '',
    );
    roomList(out, 'Newly failing', p.newlyFailing);
    roomList(out, 'No longer failing', p.noLongerFailing);
    out.push('</details>', '');
  }
  for (const p of touched) {
    const edits = p.edits ?? [];
    if (edits.length === 0) continue;
    out.push(`<details><summary>${md(p.id)}: ${md(editedFields(edits))} edited</summary>`, '');
    for (const edit of edits) {
      const name = edit.field === 'fix' ? 'Fix' : 'Remediation';
      out.push(`${name} before: ${md(truncate(editValue(edit, 'before'), MARKDOWN_EDIT_CHARS))}`, '');
      out.push(`${name} after: ${md(truncate(editValue(edit, 'after'), MARKDOWN_EDIT_CHARS))}`, '');
    }
    out.push('</details>', '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

function roomList(out: string[], heading: string, list: readonly DiffRoom[]): void {
  if (list.length === 0) return;
  out.push(`${heading}:`, '');
  for (const r of list.slice(0, MARKDOWN_ROOMS_PER_LIST)) {
    out.push(
      `- **${md(severityWord(r.severity))}** ${md(r.roomName || r.roomArn)} · ${md(r.accountId)} · ${md(r.region)}: ${md(r.message)}`,
    );
  }
  const more = list.length - MARKDOWN_ROOMS_PER_LIST;
  if (more > 0) out.push(`- … and ${more} more`);
  out.push('');
}

/**
 * The change column: `changed`, or what was edited when the findings are the same. Only the words of
 * POLICY_CHANGES reach it: the diff is built by this tool, but a renderer does not trust its input.
 */
function changeLabel(p: PolicyDiffEntry): string {
  const change = (POLICY_CHANGES as readonly string[]).includes(p.change) ? p.change : 'changed';
  const edits = p.edits ?? [];
  if (edits.length === 0) return change;
  const edited = `${editedFields(edits)} edited`;
  return change === 'unchanged' ? edited : `${change}, ${edited}`;
}

function editedFields(edits: readonly PolicyEdit[]): string {
  return edits.map((e) => e.field).join(' and ');
}

function editValue(edit: PolicyEdit, side: 'before' | 'after'): string {
  const value = edit[side];
  if (value === undefined) return '(none)';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** A severity is one of SEVERITIES (the loader refuses others); anything else shows as unknown. */
function severityWord(severity: string): string {
  return (SEVERITIES as readonly string[]).includes(severity) ? severity : 'unknown';
}

export function guardText(trip: GuardTrip): string {
  return trip.policyId
    ? `${trip.policyId} would newly fail ${trip.newlyFailing} findings, more than its rollout.maxNewFindings of ${trip.limit}; raise the guard in this pull request to acknowledge`
    : `the change would newly fail ${trip.newlyFailing} findings, more than --max-new ${trip.limit}`;
}

function rooms(n: number): string {
  return n === 1 ? '1 room' : `${n} rooms`;
}
