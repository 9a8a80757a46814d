import { describeControlCharacters, hasControlCharacter } from '../core/control-chars.js';
import { REMEDIATION_PLACEHOLDERS } from '../core/placeholders.js';
import type { PolicyFile } from '../core/types.js';
import type { SchemaProblem } from './rule-checks.js';

/** An exemption may run at most this many days past today unless the loader is told otherwise. */
export const DEFAULT_MAX_EXEMPTION_DAYS = 366;

export interface ExemptionCheckOptions {
  /** ISO 8601 instant that is "today" for expiry checks; without it, only the dates' shape is checked. */
  now?: string;
  /** How far ahead `expires` may be. @default DEFAULT_MAX_EXEMPTION_DAYS (a year, leap day included) */
  maxExemptionDays?: number;
}

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const ALLOWED = new Set<string>(REMEDIATION_PLACEHOLDERS);

/** `{word}`s in the remediation text that outputs would not fill, so an alert would show them raw. */
export function unknownPlaceholders(policy: PolicyFile): SchemaProblem[] {
  const unknown = [...policy.remediation.matchAll(PLACEHOLDER)]
    .map((m) => m[1] ?? '')
    .filter((name) => !ALLOWED.has(name));
  if (unknown.length === 0) return [];
  const allowed = REMEDIATION_PLACEHOLDERS.map((p) => `{${p}}`).join(' ');
  const names = [...new Set(unknown)].map((n) => `{${n}}`).join(', ');
  return [{ pointer: '/remediation', detail: `unknown placeholder ${names}; allowed: ${allowed}` }];
}

/**
 * A policy file whose name, `id` or any JSON object key holds a control character (core/control-chars.ts)
 * is refused: those strings are printed in logs, terminals and pull-request comments, used as map keys
 * and compared, and a name that looks like another (`message-length-max` with a bidi override or a
 * zero-width character in it) has no honest use. `parsed` is undefined when the file is not JSON: its
 * name is still checked. Text values (title, description, messages) may hold them; every output
 * escapes or strips them.
 */
export function controlCharacterProblems(file: string, parsed: unknown): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  const name = file.split(/[\\/]/).pop() ?? file;
  if (hasControlCharacter(name)) {
    problems.push({
      pointer: '',
      detail: `the file name holds control characters (${describeControlCharacters(name)}); rename the file`,
    });
  }
  const id = (parsed as { id?: unknown } | undefined)?.id;
  if (typeof id === 'string' && hasControlCharacter(id)) {
    problems.push({
      pointer: '/id',
      detail: `id holds control characters (${describeControlCharacters(id)})`,
    });
  }
  const walk = (value: unknown, pointer: string): void => {
    if (value === null || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      const at = `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
      if (hasControlCharacter(key)) {
        problems.push({
          pointer: at,
          detail: `key holds control characters (${describeControlCharacters(key)})`,
        });
      }
      walk(child, at);
    }
  };
  walk(parsed, '');
  return problems;
}

/**
 * Exemption dates: each `expires` a real calendar day and, given `now`, no further ahead than the
 * limit (exemptions are time-boxed, so someone looks again). An exemption already past is not an
 * error, it simply stops exempting; it comes back as a warning so the file gets tidied.
 */
export function checkExemptionDates(
  policy: PolicyFile,
  options: ExemptionCheckOptions,
): { problems: SchemaProblem[]; warnings: SchemaProblem[] } {
  const problems: SchemaProblem[] = [];
  const warnings: SchemaProblem[] = [];
  const today = options.now?.slice(0, 10);
  const maxDays = options.maxExemptionDays ?? DEFAULT_MAX_EXEMPTION_DAYS;
  const latest = today === undefined ? undefined : addDays(today, maxDays);
  (policy.exemptions ?? []).forEach((exemption, i) => {
    const pointer = `/exemptions/${i}/expires`;
    const expires = exemption.expires;
    if (expires === undefined) return; // the file schema already requires it
    if (!isCalendarDate(expires)) {
      problems.push({ pointer, detail: `${expires} is not a calendar date` });
    } else if (latest !== undefined && expires > latest) {
      problems.push({
        pointer,
        detail: `${expires} is more than ${maxDays} days ahead (latest allowed ${latest}); exemptions are time-boxed, renew one when it runs out`,
      });
    } else if (today !== undefined && expires < today) {
      warnings.push({
        pointer,
        detail: `exemption expired on ${expires} and no longer exempts its rooms; renew or remove it`,
      });
    }
  });
  return { problems, warnings };
}

/** `YYYY-MM-DD` naming a day that exists (2099-02-30 does not; 2028-02-29 does). */
export function isCalendarDate(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
}

function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}
