import { describe, expect, it } from 'vitest';
import { checkSchedule, InvalidContextError, readConfig, scheduleIntervalSeconds } from '../../lib/config.js';
import { synthError } from './synth.js';

const from = (context: Record<string, unknown>) => readConfig((key) => context[key]);

function problemsOf(context: Record<string, unknown>): string[] {
  try {
    from(context);
  } catch (error) {
    if (error instanceof InvalidContextError) return error.problems;
    throw error;
  }
  return [];
}

describe('Function: readConfig', () => {
  it('uses the documented defaults when no context is given', () => {
    expect(from({})).toEqual({
      schedule: 'rate(1 hour)',
      regions: [],
      alertEmails: [],
      apiBudgetTps: 4,
      renotifyAfterHours: 24,
      fullRefreshHours: 24,
      retainResolvedDays: 30,
    });
  });

  it('parses comma lists and numbers given as strings with -c', () => {
    const config = from({
      regions: 'us-east-1, eu-west-1,',
      alertEmails: 'a@example.com,b@example.com',
      apiBudgetTps: '2.5',
      renotifyAfterHours: '12',
      slackWorkspaceId: 'T0123ABCD',
      slackChannelId: 'C0123ABCD',
    });
    expect(config.regions).toEqual(['us-east-1', 'eu-west-1']);
    expect(config.alertEmails).toEqual(['a@example.com', 'b@example.com']);
    expect(config.apiBudgetTps).toBe(2.5);
    expect(config.renotifyAfterHours).toBe(12);
    expect(config.slack).toEqual({ workspaceId: 'T0123ABCD', channelId: 'C0123ABCD' });
  });

  it('accepts JSON arrays and numbers from cdk.json', () => {
    const config = from({ regions: ['ap-northeast-1'], alertEmails: ['ops@example.com'], apiBudgetTps: 5 });
    expect(config.regions).toEqual(['ap-northeast-1']);
    expect(config.alertEmails).toEqual(['ops@example.com']);
    expect(config.apiBudgetTps).toBe(5);
  });

  it.each([
    ['schedule', { schedule: 'every hour' }],
    ['schedule', { schedule: 'rate(1 hours)' }],
    ['schedule', { schedule: 'rate(0 minutes)' }],
    ['schedule', { schedule: 'rate(5 weeks)' }],
    ['schedule', { schedule: 'cron(0 * * * *)' }],
    ['schedule', { schedule: 'cron(0 * * * * *)' }],
    ['schedule', { schedule: 'rate(7 days)' }],
    ['alertEmails', { alertEmails: 'ops@example.com,not-an-email' }],
    ['regions', { regions: 'us-east-1,mars-north-1' }],
    ['slackChannelId', { slackWorkspaceId: 'T0123ABCD' }],
    ['slackWorkspaceId', { slackChannelId: 'C0123ABCD' }],
    ['apiBudgetTps', { apiBudgetTps: 'fast' }],
    ['apiBudgetTps', { apiBudgetTps: '0' }],
    ['apiBudgetTps', { apiBudgetTps: '6' }],
    ['renotifyAfterHours', { renotifyAfterHours: '-1' }],
    ['fullRefreshHours', { fullRefreshHours: 'daily' }],
    ['retainResolvedDays', { retainResolvedDays: '1.5' }],
  ])('rejects a bad %s and names the key', (key, context) => {
    const problems = problemsOf(context);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${key}: `));
  });

  it.each([
    ['renotifyAfterHours', '8761', 'a whole number between 1 and 8760'],
    ['fullRefreshHours', '2.5', 'a whole number between 1 and 8760'],
    ['retainResolvedDays', 3651, 'a whole number between 1 and 3650'],
    ['apiBudgetTps', '0.05', 'a number between 0.1 and 5'],
  ])('states the range of %s = %s in the problem', (key, value, range) => {
    const shown = typeof value === 'string' ? `"${value}"` : String(value);
    expect(problemsOf({ [key]: value })).toEqual([`${key}: ${shown} must be ${range}`]);
  });

  it('reports an invalid Slack id once, not also as a missing partner', () => {
    expect(problemsOf({ slackWorkspaceId: 'not an id', slackChannelId: 'C0123ABCD' })).toEqual([
      'slackWorkspaceId: "not an id" is not a Slack workspace id (e.g. T0123ABCD)',
    ]);
  });

  it('lists every bad region, each named', () => {
    expect(problemsOf({ regions: 'us-east-1,us-middle-9,eu-west-1a' })).toEqual([
      'regions: "us-middle-9" is not a region name (e.g. us-east-1)',
      'regions: "eu-west-1a" is not a region name (e.g. us-east-1)',
    ]);
  });

  it('collects every problem into one error', () => {
    const problems = problemsOf({ schedule: 'hourly', alertEmails: 'x', apiBudgetTps: 'lots' });
    expect(problems.map((p) => p.split(':')[0])).toEqual(['schedule', 'alertEmails', 'apiBudgetTps']);
  });
});

describe('Function: checkSchedule', () => {
  it.each([
    'rate(1 minute)',
    'rate(15 minutes)',
    'rate(1 hour)',
    'rate(3 days)',
    'cron(0 * * * ? *)',
    'cron(15 10 ? * MON-FRI *)',
    'cron(0/30 8-17 1,15 * ? 2030)',
  ])('accepts %s', (schedule) => {
    expect(checkSchedule(schedule)).toBeUndefined();
  });

  it('gives the interval of a rate() expression, and none for cron()', () => {
    expect(scheduleIntervalSeconds('rate(1 hour)')).toBe(3600);
    expect(scheduleIntervalSeconds('rate(15 minutes)')).toBe(900);
    expect(scheduleIntervalSeconds('cron(0 * * * ? *)')).toBeUndefined();
  });
});

describe('App: invalid context fails synth', () => {
  it.each([
    ['schedule', { schedule: 'rate(1 fortnight)' }],
    ['alertEmails', { alertEmails: 'ops@@example' }],
    ['regions', { regions: 'us-middle-9' }],
    ['slackChannelId', { slackWorkspaceId: 'T0123ABCD' }],
    ['apiBudgetTps', { apiBudgetTps: 'four' }],
  ])('names %s in the message', (key, context) => {
    const error = synthError(context);
    expect(error).toBeInstanceOf(InvalidContextError);
    expect(error?.message).toContain(`- ${key}: `);
  });
});
