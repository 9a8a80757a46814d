import { readFileSync } from 'node:fs';
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
      accounts: [],
      memberRoleName: 'ivschat-auditor-member',
      memberTrustedPrincipals: [],
      maxConcurrency: 20,
      targetFailureAlarmRuns: 3,
      securityHub: false,
      iacDrift: false,
      eventBus: '',
      reportBucket: '',
      remediation: 'off',
      remediationTag: 'ivschat-auditor:remediate=true',
      remediationMaxChanges: 10,
      remediationMaxPercent: 10,
      changeEvents: true,
      changeBatchWindowSeconds: 20,
      changeMaxRooms: 100,
      logRetentionDays: 365,
      subnetIds: [],
    });
  });

  it('keeps logs only as long as CloudWatch Logs can: one of its retention values', () => {
    expect(from({ logRetentionDays: '731' }).logRetentionDays).toBe(731);
    expect(from({ logRetentionDays: 3653 }).logRetentionDays).toBe(3653);
    expect(problemsOf({ logRetentionDays: '100' })).toEqual([
      'logRetentionDays: "100" must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653',
    ]);
  });

  it('takes a VPC with its subnets, or neither', () => {
    expect(
      from({
        vpcId: 'vpc-0a1b2c3d4e5f60718',
        subnetIds: 'subnet-0a1b2c3d4e5f60718, subnet-0f1e2d3c4b5a69788',
      }),
    ).toMatchObject({
      vpcId: 'vpc-0a1b2c3d4e5f60718',
      subnetIds: ['subnet-0a1b2c3d4e5f60718', 'subnet-0f1e2d3c4b5a69788'],
    });
    expect(problemsOf({ vpcId: 'vpc-0a1b2c3d4e5f60718' })).toEqual([
      'subnetIds: required when vpcId is given (the subnets of that VPC the functions run in)',
    ]);
    expect(problemsOf({ subnetIds: 'subnet-0a1b2c3d4e5f60718' })).toEqual([
      'vpcId: required when subnetIds is given (the VPC those subnets belong to)',
    ]);
    expect(problemsOf({ vpcId: 'vpc-1', subnetIds: 'subnet-0a1b2c3d4e5f60718,sg-0a1b2c3d' })).toEqual([
      'vpcId: "vpc-1" is not a VPC id (e.g. vpc-0a1b2c3d4e5f60718)',
      'subnetIds: "sg-0a1b2c3d" is not a subnet id (e.g. subnet-0a1b2c3d4e5f60718)',
    ]);
  });

  it('names targetFailureAlarmRuns when it is out of its range', () => {
    expect(() => from({ targetFailureAlarmRuns: '0' })).toThrow(
      /targetFailureAlarmRuns: "0" must be a whole number between 1 and 100/,
    );
  });

  it('reads the accounts as a list, or the organization on its own', () => {
    expect(from({ accounts: '111111111111, 222222222222,111111111111' }).accounts).toEqual([
      '111111111111',
      '222222222222',
    ]);
    expect(from({ accounts: ['333333333333'] }).accounts).toEqual(['333333333333']);
    expect(from({ accounts: 'organization', organizationId: 'o-a1b2c3d4e5' })).toMatchObject({
      accounts: ['organization'],
      organizationId: 'o-a1b2c3d4e5',
    });
  });

  it('names each bad account id', () => {
    expect(problemsOf({ accounts: '111111111111,12345,abcdefghijkl' })).toEqual([
      'accounts: "12345" is not a 12-digit account id (or "organization" alone)',
      'accounts: "abcdefghijkl" is not a 12-digit account id (or "organization" alone)',
    ]);
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
    ['accounts', { accounts: '1234567890123' }],
    ['accounts', { accounts: 'organization,111111111111' }],
    ['accounts', { accounts: 'Organization' }],
    // 201 ids (13 bytes each) would not fit Lambda's 4 KB of environment variables.
    ['accounts', { accounts: Array.from({ length: 201 }, (_, i) => String(100000000000 + i)).join(',') }],
    ['memberRoleName', { memberRoleName: 'has space' }],
    ['memberRoleName', { memberRoleName: 'r'.repeat(65) }],
    ['memberRoleName', { memberRoleName: 'role/path' }],
    ['maxConcurrency', { maxConcurrency: '0' }],
    ['maxConcurrency', { maxConcurrency: '1001' }],
    ['maxConcurrency', { maxConcurrency: '2.5' }],
    ['organizationId', { organizationId: 'o-short' }],
    ['organizationId', { organizationId: 'O-A1B2C3D4E5' }],
    ['auditorAccountId', { auditorAccountId: '12345678901' }],
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
    ['accounts', { accounts: '111111111111,not-an-account' }],
    ['memberRoleName', { accounts: '111111111111', memberRoleName: 'bad name!' }],
    ['maxConcurrency', { maxConcurrency: '10001' }],
    ['organizationId', { accounts: 'organization', organizationId: 'org-1' }],
    ['auditorAccountId', { auditorAccountId: 'me' }],
  ])('names %s in the message', (key, context) => {
    const error = synthError(context);
    expect(error).toBeInstanceOf(InvalidContextError);
    expect(error?.message).toContain(`- ${key}: `);
  });
});

describe('App: a misspelt context key fails synth', () => {
  it('names each unknown key with the setting it is closest to', () => {
    // What the user typed: `npx cdk synth -c remediaton=apply -c alertEmail=ops@example.com`.
    const error = synthError({ remediaton: 'apply', alertEmail: 'ops@example.com' });
    expect(error).toBeInstanceOf(InvalidContextError);
    const problems = (error as InvalidContextError).problems;
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(
      /^remediaton: not an ivschat-auditor setting \(did you mean "remediation"\?\)/,
    );
    expect(problems[1]).toMatch(
      /^alertEmail: not an ivschat-auditor setting \(did you mean "alertEmails"\?\)/,
    );
    expect(problems[1]).toContain('docs/deploy.md');
  });

  it('suggests nothing when no setting is close, and ignores case when one is', () => {
    expect(problemsOfKeys(['frobnicate'])).toEqual([
      "frobnicate: not an ivschat-auditor setting; the settings are the keys of cdk.json's context block, listed in docs/deploy.md (Context keys)",
    ]);
    expect(problemsOfKeys(['alert-emails', 'MAXCONCURRENCY'])).toEqual([
      expect.stringContaining('(did you mean "alertEmails"?)'),
      expect.stringContaining('(did you mean "maxConcurrency"?)'),
    ]);
  });

  it("synthesizes with cdk.json's context and the keys CDK itself puts there", () => {
    const cdkJson = JSON.parse(readFileSync('cdk.json', 'utf8')) as { context: Record<string, unknown> };
    const error = synthError({
      ...cdkJson.context,
      // What the toolkit adds (contextFromSettings, `cdk acknowledge`, `cdk cli-telemetry`, `cdk migrate`)…
      'aws:cdk:enable-path-metadata': true,
      'aws:cdk:version-reporting': true,
      '@aws-cdk/core:failSynthOnValidationErrors': false,
      'acknowledged-issue-numbers': [32775],
      'cli-telemetry': false,
      'cdk-migrate': true,
      'aws-cdk:enableDiffNoFail': true,
      // …a lookup cached in cdk.context.json, and an aws-cdk-lib override.
      'availability-zones:account=111111111111:region=us-east-1': ['us-east-1a'],
      'assets-ecr-repository-name': 'assets',
    });
    expect(error).toBeUndefined();
  });
});

function problemsOfKeys(keys: string[]): string[] {
  try {
    readConfig(() => undefined, keys);
  } catch (error) {
    if (error instanceof InvalidContextError) return error.problems;
    throw error;
  }
  return [];
}
