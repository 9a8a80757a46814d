import { RegionInfo } from 'aws-cdk-lib/region-info';
import { DEFAULT_API_BUDGET_TPS, IVSCHAT_QUOTA_TPS } from '../lambda/aws/rate-limit.js';

/** Validated deployment settings, read from CDK context (`cdk.json` or `-c key=value`). */
export interface AuditorConfig {
  /** EventBridge schedule expression: `rate(...)` or `cron(...)`. */
  readonly schedule: string;
  /** Regions to audit; empty means the stack's own region. */
  readonly regions: string[];
  readonly alertEmails: string[];
  /** Both set, or neither. */
  readonly slack?: { readonly workspaceId: string; readonly channelId: string };
  readonly apiBudgetTps: number;
  readonly renotifyAfterHours: number;
  readonly fullRefreshHours: number;
  readonly retainResolvedDays: number;
}

/** The context keys this app reads, with the defaults used when a key is absent. */
export const CONTEXT_DEFAULTS = {
  schedule: 'rate(1 hour)',
  regions: '',
  alertEmails: '',
  slackWorkspaceId: '',
  slackChannelId: '',
  apiBudgetTps: DEFAULT_API_BUDGET_TPS,
  renotifyAfterHours: 24,
  fullRefreshHours: 24,
  retainResolvedDays: 30,
} as const;

export type ContextKey = keyof typeof CONTEXT_DEFAULTS;

/**
 * Longest schedule interval the missed-audit alarm can watch: it evaluates two intervals, and
 * CloudWatch evaluates at most 7 days.
 */
export const MAX_SCHEDULE_INTERVAL_SECONDS = 3 * 24 * 3600;

export class InvalidContextError extends Error {
  override readonly name = 'InvalidContextError';
  constructor(readonly problems: string[]) {
    super(`Invalid ivschat-auditor context:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * Reads and validates every context key, collecting all problems into one `InvalidContextError` so a
 * user fixes them in one pass. Values from `-c` arrive as strings; values from `cdk.json` may be
 * JSON numbers or arrays; both are accepted.
 */
export function readConfig(getContext: (key: ContextKey) => unknown): AuditorConfig {
  const problems: string[] = [];
  const get = (key: ContextKey): unknown => getContext(key) ?? CONTEXT_DEFAULTS[key];

  const schedule = asText(get('schedule'));
  const scheduleProblem = checkSchedule(schedule);
  if (scheduleProblem) problems.push(`schedule: ${scheduleProblem}`);

  const regions = asList(get('regions'));
  const knownRegions = new Set(RegionInfo.regions.map((r) => r.name));
  for (const region of regions) {
    if (!knownRegions.has(region)) problems.push(`regions: unknown region name '${region}'`);
  }

  const alertEmails = asList(get('alertEmails'));
  for (const email of alertEmails) {
    if (!isEmail(email)) problems.push(`alertEmails: '${email}' is not a valid email address`);
  }

  const workspaceId = asText(get('slackWorkspaceId'));
  const channelId = asText(get('slackChannelId'));
  if (Boolean(workspaceId) !== Boolean(channelId)) {
    const missing = workspaceId ? 'slackChannelId' : 'slackWorkspaceId';
    const given = workspaceId ? 'slackWorkspaceId' : 'slackChannelId';
    problems.push(`${missing}: required when ${given} is given (set both or neither)`);
  }
  if (workspaceId && !/^[0-9A-Z]{1,256}$/.test(workspaceId)) {
    problems.push(`slackWorkspaceId: '${workspaceId}' is not a Slack workspace id (e.g. T0123ABCD)`);
  }
  if (channelId && !/^[A-Za-z0-9]{1,256}$/.test(channelId)) {
    problems.push(`slackChannelId: '${channelId}' is not a Slack channel id (e.g. C0123ABCD)`);
  }

  const number = (key: ContextKey, rule: (n: number) => string | undefined): number => {
    const raw = get(key);
    const value = typeof raw === 'number' ? raw : Number(asText(raw));
    if (asText(raw) === '' || !Number.isFinite(value)) {
      problems.push(`${key}: '${String(raw)}' is not a number`);
      return Number.NaN;
    }
    const problem = rule(value);
    if (problem) problems.push(`${key}: ${problem}`);
    return value;
  };
  const positiveInteger = (n: number) =>
    Number.isInteger(n) && n > 0 ? undefined : `must be a whole number > 0, got ${n}`;

  const apiBudgetTps = number('apiBudgetTps', (n) =>
    n > 0 && n <= IVSCHAT_QUOTA_TPS
      ? undefined
      : `must be > 0 and <= ${IVSCHAT_QUOTA_TPS} (the IVS Chat quota per account and region), got ${n}`,
  );
  const renotifyAfterHours = number('renotifyAfterHours', positiveInteger);
  const fullRefreshHours = number('fullRefreshHours', positiveInteger);
  const retainResolvedDays = number('retainResolvedDays', positiveInteger);

  if (problems.length > 0) throw new InvalidContextError(problems);
  return {
    schedule,
    regions,
    alertEmails,
    ...(workspaceId && channelId ? { slack: { workspaceId, channelId } } : {}),
    apiBudgetTps,
    renotifyAfterHours,
    fullRefreshHours,
    retainResolvedDays,
  };
}

const RATE = /^rate\((\d+) (minutes?|hours?|days?)\)$/;
const UNIT_SECONDS: Record<string, number> = { minute: 60, hour: 3600, day: 86400 };

/** The interval of a `rate(...)` expression in seconds; undefined for `cron(...)`. */
export function scheduleIntervalSeconds(schedule: string): number | undefined {
  const match = RATE.exec(schedule);
  if (!match) return undefined;
  const unit = (match[2] ?? '').replace(/s$/, '');
  return Number(match[1]) * (UNIT_SECONDS[unit] ?? Number.NaN);
}

/** Returns why `schedule` is not a valid EventBridge schedule expression, or undefined. */
export function checkSchedule(schedule: string): string | undefined {
  const example = "use 'rate(1 hour)', 'rate(15 minutes)' or 'cron(0 * * * ? *)'";
  if (schedule.startsWith('rate(')) {
    const match = RATE.exec(schedule);
    if (!match) return `'${schedule}' is not a valid rate() expression; ${example}`;
    const value = Number(match[1]);
    const plural = match[2]?.endsWith('s');
    if (value < 1) return `'${schedule}': the rate value must be a positive whole number`;
    // EventBridge rejects 'rate(1 hours)' and 'rate(2 hour)'.
    if ((value === 1) === plural) {
      return `'${schedule}': use a singular unit for 1 and a plural unit otherwise (rate(1 hour), rate(2 hours))`;
    }
    const seconds = scheduleIntervalSeconds(schedule) ?? 0;
    if (seconds > MAX_SCHEDULE_INTERVAL_SECONDS) {
      return `'${schedule}': at most 3 days between runs, so the missed-audit alarm can watch two intervals`;
    }
    return undefined;
  }
  if (schedule.startsWith('cron(')) return checkCron(schedule, example);
  return `'${schedule}' is not a schedule expression; ${example}`;
}

function checkCron(schedule: string, example: string): string | undefined {
  const match = /^cron\((.*)\)$/.exec(schedule);
  const fields = match?.[1]?.trim().split(/\s+/) ?? [];
  if (fields.length !== 6) {
    return `'${schedule}': cron() takes 6 fields (minutes hours day-of-month month day-of-week year); ${example}`;
  }
  const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const simple = /^[0-9*,\-/]+$/;
  const checks: Array<[string, string, RegExp]> = [
    ['minutes', minutes, simple],
    ['hours', hours, simple],
    ['day-of-month', dayOfMonth, /^([0-9*,\-/LW]+|\?)$/],
    ['month', month, /^[0-9A-Za-z*,\-/]+$/],
    ['day-of-week', dayOfWeek, /^([0-9A-Za-z*,\-/L#]+|\?)$/],
    ['year', year, simple],
  ];
  for (const [name, value, pattern] of checks) {
    if (!pattern.test(value)) return `'${schedule}': invalid ${name} field '${value}'`;
  }
  // EventBridge requires exactly one of day-of-month and day-of-week to be '?'.
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
    return `'${schedule}': exactly one of day-of-month and day-of-week must be '?'`;
  }
  return undefined;
}

function asText(value: unknown): string {
  if (value === undefined || value === null) return '';
  return String(value).trim();
}

function asList(value: unknown): string[] {
  const items = Array.isArray(value) ? value.map(asText) : asText(value).split(',');
  return items.map((s) => s.trim()).filter((s) => s.length > 0);
}

function isEmail(value: string): boolean {
  // Deliberately simple: one @, a dotted domain, no spaces. SNS sends a confirmation anyway.
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value) && value.length <= 254;
}
