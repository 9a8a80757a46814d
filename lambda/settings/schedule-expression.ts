/**
 * EventBridge schedule expressions, checked before deploy so a typo fails `cdk synth` instead of the
 * CloudFormation update. Pure (no aws-cdk-lib), so the settings table can use it on both sides.
 */

/**
 * Longest schedule interval the missed-audit alarm can watch: it evaluates two intervals, and
 * CloudWatch evaluates at most 7 days.
 */
export const MAX_SCHEDULE_INTERVAL_SECONDS = 3 * 24 * 3600;

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
