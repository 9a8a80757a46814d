import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lambda/core/errors.js';
import { readConfig } from '../../lambda/runtime/config.js';
import { SETTINGS } from '../../lambda/settings/table.js';
import { LIBRARY_ENV, WIRING_ENV } from '../../lambda/settings/wiring.js';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:ivschat-alerts';
const BASE = { ALERT_TOPIC_ARN: TOPIC, AUDIT_REGIONS: 'us-east-1' };

function errorOf(env: NodeJS.ProcessEnv): ConfigError {
  try {
    readConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('readConfig accepted the environment');
}

describe('Function: readConfig (Lambda environment)', () => {
  it('reads every setting from its environment variable', () => {
    const config = readConfig({
      ...BASE,
      AUDIT_REGIONS: 'us-east-1, eu-west-1,us-east-1',
      API_BUDGET_TPS: '2.5',
      RENOTIFY_AFTER_HOURS: '12',
      FULL_REFRESH_HOURS: '6',
      RETAIN_RESOLVED_DAYS: '90',
      STATE_TABLE_NAME: 'state',
      POLICIES_DIR: '/opt/policies',
      AUDIT_ACCOUNTS: '111111111111',
      MEMBER_ROLE_NAME: 'auditing-role',
      AUDITOR_NAME: 'auditor-2',
      SECURITY_HUB: 'true',
      IAC_DRIFT: 'true',
      EVENT_BUS: 'default',
      REMEDIATION: 'apply',
      REMEDIATION_TAG: 'team=chat-ops',
      REMEDIATION_MAX_CHANGES: '3',
      REMEDIATION_MAX_PERCENT: '2.5',
      CHANGE_MAX_ROOMS: '40',
      FUNCTION_ROLE_NAME: 'auditor-role',
      FUNCTION_ROLE_ARN: 'arn:aws:iam::123456789012:role/auditing/auditor-role',
    });
    expect(config).toEqual({
      regions: ['us-east-1', 'eu-west-1'],
      topicArn: TOPIC,
      apiBudgetTps: 2.5,
      stateTableName: 'state',
      renotifyAfterHours: 12,
      fullRefreshHours: 6,
      retainResolvedDays: 90,
      policiesDir: '/opt/policies',
      accounts: ['111111111111'],
      memberRoleName: 'auditing-role',
      auditorName: 'auditor-2',
      securityHub: true,
      iacDrift: true,
      eventBus: 'default',
      remediation: 'apply',
      remediationTag: 'team=chat-ops',
      remediationTagParsed: { key: 'team', value: 'chat-ops' },
      remediationMaxChanges: 3,
      remediationMaxPercent: 2.5,
      changeMaxRooms: 40,
      functionRoleName: 'auditor-role',
      functionRoleArn: 'arn:aws:iam::123456789012:role/auditing/auditor-role',
    });
  });

  it.each([
    ['REMEDIATION', 'fix', '"fix" must be one of off, plan, apply'],
    ['REMEDIATION_TAG', 'remediate', '"remediate" is not a tag as key=value'],
    ['REMEDIATION_TAG', 'aws:remediate=true', 'is not a tag as key=value'],
    ['CHANGE_MAX_ROOMS', '0', 'a whole number between 1 and 1000'],
    ['FUNCTION_ROLE_ARN', 'auditor-role', 'is not an IAM role ARN'],
  ])('refuses %s=%s, naming the variable', (name, value, problem) => {
    expect(() => readConfig({ ...BASE, [name]: value })).toThrow(`${name}: `);
    expect(() => readConfig({ ...BASE, [name]: value })).toThrow(problem);
  });

  it('uses the defaults of the settings table for absent or blank variables', () => {
    const config = readConfig({ ...BASE, API_BUDGET_TPS: ' ', RENOTIFY_AFTER_HOURS: '' });
    expect(config).toMatchObject({
      apiBudgetTps: SETTINGS.apiBudgetTps.default,
      renotifyAfterHours: SETTINGS.renotifyAfterHours.default,
      fullRefreshHours: SETTINGS.fullRefreshHours.default,
      retainResolvedDays: SETTINGS.retainResolvedDays.default,
    });
  });

  it.each([
    ['RENOTIFY_AFTER_HOURS', '1.5', 'a whole number between 1 and 8760'],
    ['FULL_REFRESH_HOURS', '0.5', 'a whole number between 1 and 8760'],
    ['RETAIN_RESOLVED_DAYS', '30.25', 'a whole number between 1 and 3650'],
  ])('refuses %s=%s where a whole number is required', (name, value, range) => {
    const error = errorOf({ ...BASE, [name]: value });
    expect(error.setting).toBe(name);
    expect(error.message).toBe(`${name}: "${value}" must be ${range}`);
  });

  it.each([
    ['API_BUDGET_TPS', '0.05'],
    ['API_BUDGET_TPS', '5.5'],
    ['RENOTIFY_AFTER_HOURS', '0'],
    ['RENOTIFY_AFTER_HOURS', '8761'],
    ['FULL_REFRESH_HOURS', '100000'],
    ['RETAIN_RESOLVED_DAYS', '3651'],
    ['RETAIN_RESOLVED_DAYS', '1e3'],
    ['RETAIN_RESOLVED_DAYS', '-7'],
    ['FULL_REFRESH_HOURS', 'daily'],
  ])('refuses %s=%s, out of range or not a number, naming the variable', (name, value) => {
    const error = errorOf({ ...BASE, [name]: value });
    expect(error.setting).toBe(name);
    expect(error.message).toMatch(new RegExp(`^${name}: "${value}" must be a (whole )?number between`));
  });

  it.each(['us-middle-9', 'US-EAST-1', 'us-east-1a', 'useast-1', 'us-east1', 'mars-north-1'])(
    'refuses AUDIT_REGIONS containing %s, naming the variable and the region',
    (region) => {
      const error = errorOf({ ...BASE, AUDIT_REGIONS: `eu-west-1,${region}` });
      expect(error.message).toBe(`AUDIT_REGIONS: "${region}" is not a region name (e.g. us-east-1)`);
    },
  );

  it("audits the function's own region when AUDIT_REGIONS is blank", () => {
    expect(readConfig({ ...BASE, AUDIT_REGIONS: ' ', AWS_REGION: 'eu-west-1' }).regions).toEqual([
      'eu-west-1',
    ]);
  });

  it('fails naming AUDIT_REGIONS when neither it nor AWS_REGION is set', () => {
    expect(errorOf({ ALERT_TOPIC_ARN: TOPIC }).message).toBe(
      'AUDIT_REGIONS: is not set and AWS_REGION is empty',
    );
  });

  it('fails naming ALERT_TOPIC_ARN when it is not a topic ARN', () => {
    expect(errorOf({ ...BASE, ALERT_TOPIC_ARN: 'alerts' }).setting).toBe('ALERT_TOPIC_ARN');
  });

  it('reads only the variables the settings table and the wiring list declare', () => {
    const read = new Set<string>();
    const env = new Proxy<NodeJS.ProcessEnv>(
      { ...BASE, POLICIES_DIR: 'policies', LAMBDA_TASK_ROOT: '/var/task' },
      {
        get(target, key) {
          if (typeof key === 'string') read.add(key);
          return target[key as string];
        },
      },
    );
    readConfig(env);
    const runtime = ['AWS_REGION', 'LAMBDA_TASK_ROOT'];
    const declared = [
      ...Object.values(SETTINGS).flatMap((s) => ('envVar' in s ? [s.envVar] : [])),
      ...Object.values(WIRING_ENV),
    ];
    expect([...read].filter((name) => !runtime.includes(name)).sort()).toEqual(declared.sort());
    expect(declared.filter((name) => (LIBRARY_ENV as readonly string[]).includes(name))).toEqual([]);
  });

  it('turns the sinks off by default and on with SECURITY_HUB and EVENT_BUS', () => {
    expect(readConfig(BASE)).toMatchObject({ securityHub: false });
    expect(readConfig(BASE)).not.toHaveProperty('eventBus');
    const bus = 'arn:aws:events:eu-west-1:123456789012:event-bus/security';
    expect(readConfig({ ...BASE, SECURITY_HUB: 'true', EVENT_BUS: bus })).toMatchObject({
      securityHub: true,
      eventBus: bus,
    });
    expect(readConfig({ ...BASE, EVENT_BUS: 'default' }).eventBus).toBe('default');
  });

  it('refuses a SECURITY_HUB or EVENT_BUS it cannot use, naming the variable', () => {
    expect(errorOf({ ...BASE, SECURITY_HUB: 'yes' }).message).toBe(
      'SECURITY_HUB: "yes" must be true or false',
    );
    expect(errorOf({ ...BASE, EVENT_BUS: 'arn:aws:sns:us-east-1:123456789012:t' }).message).toMatch(
      /^EVENT_BUS: ".*" is neither "default" nor an event bus ARN/,
    );
  });
});
