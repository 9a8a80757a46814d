/**
 * The construct's grouped props are checked by the settings table, as context is: same defaults,
 * same rules, problems named after the prop.
 */
import { readFileSync } from 'node:fs';
import { App, Aws, Duration } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { readConfig, SETTINGS } from '../../lib/config.js';
import { IvsChatAuditorMemberStack } from '../../lib/member-stack.js';
import {
  configFromProps,
  InvalidPropsError,
  type IvsChatAuditorProps,
  propsFromConfig,
} from '../../lib/props.js';

function problemsOf(props: IvsChatAuditorProps): string[] {
  try {
    configFromProps(props);
  } catch (error) {
    if (error instanceof InvalidPropsError) return error.problems;
    throw error;
  }
  return [];
}

describe('Function: configFromProps', () => {
  it('gives no props the defaults no context gives', () => {
    expect(configFromProps({})).toEqual(readConfig(() => undefined));
  });

  it('reads each group into the setting it stands for, typed', () => {
    const config = configFromProps({
      alerts: { emails: ['ops@example.com'], renotifyAfter: Duration.hours(48), securityHub: true },
      state: { retainResolved: Duration.days(7) },
      members: { accounts: ['111111111111'], roleName: 'audit-reader', organizationId: 'o-a1b2c3d4e5' },
      remediation: { mode: 'plan', maxChanges: 3, maxPercent: 2.5 },
      changeEvents: { enabled: false, batchWindow: Duration.minutes(1), maxRooms: 40 },
      fullRefreshInterval: Duration.days(1),
      logRetention: logs.RetentionDays.TWO_YEARS,
    });
    expect(config).toMatchObject({
      alertEmails: ['ops@example.com'],
      renotifyAfterHours: 48,
      securityHub: true,
      retainResolvedDays: 7,
      accounts: ['111111111111'],
      memberRoleName: 'audit-reader',
      organizationId: 'o-a1b2c3d4e5',
      remediation: 'plan',
      remediationMaxChanges: 3,
      remediationMaxPercent: 2.5,
      changeEvents: false,
      changeBatchWindowSeconds: 60,
      changeMaxRooms: 40,
      fullRefreshHours: 24,
      logRetentionDays: 731,
    });
  });

  it('refuses what the context refuses, naming the prop and its unit', () => {
    expect(
      problemsOf({
        alerts: { renotifyAfter: Duration.minutes(90) },
        changeEvents: { batchWindow: Duration.minutes(10) },
        logRetention: logs.RetentionDays.INFINITE,
        members: { accounts: ['12345'] },
      }),
    ).toEqual([
      'alerts.renotifyAfter (hours): 1.5 must be a whole number between 1 and 8760',
      'members.accounts: "12345" is not a 12-digit account id (or "organization" alone)',
      'changeEvents.batchWindow (seconds): 600 must be a whole number between 1 and 300',
      'logRetention: 9999 must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653',
    ]);
  });

  it('refuses a remediation mode a JavaScript caller misspelt', () => {
    const mode = 'aply' as 'apply';
    expect(problemsOf({ remediation: { mode } })).toEqual([
      'remediation.mode: "aply" must be one of off, plan, apply',
    ]);
  });

  it('fails with a message bin/app.ts shows without a stack trace', () => {
    expect(() => configFromProps({ maxConcurrency: 0 })).toThrow(
      /^ivschat-auditor: invalid IvsChatAuditor props:\n {2}- maxConcurrency: 0 must be a whole number between 1 and 1000$/,
    );
  });
});

describe('Function: propsFromConfig', () => {
  it.each([
    ['no context', {}],
    [
      'every setting the construct takes',
      {
        schedule: 'rate(6 hours)',
        regions: 'us-east-1,eu-west-1',
        alertEmails: 'ops@example.com',
        slackWorkspaceId: 'T0123ABCD',
        slackChannelId: 'C0123ABCD',
        apiBudgetTps: 2.5,
        renotifyAfterHours: 12,
        fullRefreshHours: 6,
        retainResolvedDays: 90,
        accounts: 'organization',
        memberRoleName: 'reader',
        maxConcurrency: 5,
        targetFailureAlarmRuns: 2,
        organizationId: 'o-a1b2c3d4e5',
        securityHub: 'true',
        eventBus: 'default',
        remediation: 'apply',
        remediationTag: 'fix=yes',
        remediationMaxChanges: 1,
        remediationMaxPercent: 50,
        changeEvents: false,
        changeBatchWindowSeconds: 300,
        changeMaxRooms: 7,
        logRetentionDays: 90,
      },
    ],
  ])('gives the construct props that check back to the same config: %s', (_, context) => {
    const config = readConfig((key) => (context as Record<string, unknown>)[key]);
    expect(configFromProps(propsFromConfig(config))).toEqual(config);
  });
});

describe('IvsChatAuditorMemberStack: props that are settings', () => {
  it('refuses what the context refuses, naming the prop', () => {
    expect(
      () =>
        new IvsChatAuditorMemberStack(new App(), 'Member', {
          organizationId: 'org-1',
          remediationTag: 'aws:reserved=1',
        }),
    ).toThrow(
      'ivschat-auditor: invalid IvsChatAuditorMemberStack props:\n' +
        '  - organizationId: "org-1" is not a valid organization id (e.g. o-a1b2c3d4e5)\n' +
        '  - remediationTag: "aws:reserved=1" is not a tag as key=value (key 1–128 characters, not starting with aws:; value up to 256)',
    );
  });

  it('leaves a token, known only at deploy time, to CloudFormation', () => {
    expect(
      () => new IvsChatAuditorMemberStack(new App(), 'Member', { auditorAccountId: Aws.ACCOUNT_ID }),
    ).not.toThrow();
  });
});

describe("the props' documented defaults", () => {
  // jsii wants a literal after @default; this keeps each one equal to the settings table's.
  const source = readFileSync('lib/props.ts', 'utf8');
  const documentedDefault = (prop: string): string | undefined => {
    const at = source.indexOf(`readonly ${prop}?:`);
    const doc = source.slice(source.lastIndexOf('/**', at), at);
    return /@default (.+?)\s*\*\//s.exec(doc)?.[1];
  };
  it.each([
    ['schedule', 'schedule'],
    ['apiBudgetTps', 'apiBudgetTps'],
    ['maxConcurrency', 'maxConcurrency'],
    ['targetFailureAlarmRuns', 'targetFailureAlarmRuns'],
    ['securityHub', 'securityHub'],
    ['roleName', 'memberRoleName'],
    ['mode', 'remediation'],
    ['tag', 'remediationTag'],
    ['maxChanges', 'remediationMaxChanges'],
    ['maxPercent', 'remediationMaxPercent'],
    ['enabled', 'changeEvents'],
    ['maxRooms', 'changeMaxRooms'],
  ] as const)('%s: the default of %s', (prop, setting) => {
    const value = SETTINGS[setting].default;
    expect(documentedDefault(prop)).toBe(typeof value === 'string' ? `'${value}'` : String(value));
  });
});
