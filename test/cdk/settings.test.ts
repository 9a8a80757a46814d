/**
 * The settings table (lambda/settings/table.ts) is the one source: cdk.json, docs/deploy.md, the README,
 * the stack's function environment and both readers are checked against it.
 */
import { readFileSync } from 'node:fs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lambda/core/errors.js';
import { readConfig as readEnv } from '../../lambda/runtime/config.js';
import { isRegion, LOG_RETENTION_DAYS } from '../../lambda/settings/checks.js';
import { parseSetting } from '../../lambda/settings/parse.js';
import { SETTING_NAMES, SETTINGS, type SettingName } from '../../lambda/settings/table.js';
import type { Setting } from '../../lambda/settings/types.js';
import { LIBRARY_ENV, OPTIONAL_WIRING_ENV, WIRING_ENV } from '../../lambda/settings/wiring.js';
import { InvalidContextError, readConfig as readContext } from '../../lib/config.js';
import { docsTable } from './settings-docs.js';
import { synthApp } from './synth.js';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:ivschat-alerts';

/** Context problem and environment error for one raw value, in the same words. */
function bothSides(name: SettingName & keyof typeof ENV_VARS, raw: string) {
  let context: { value?: unknown; problem?: string };
  try {
    context = { value: readContext((key) => (key === name ? raw : undefined))[name] };
  } catch (error) {
    if (!(error instanceof InvalidContextError)) throw error;
    context = { problem: error.problems.join('\n').replace(`${name}: `, '') };
  }
  let env: { value?: unknown; problem?: string };
  try {
    env = {
      value: readEnv({ ALERT_TOPIC_ARN: TOPIC, AWS_REGION: 'us-east-1', [ENV_VARS[name]]: raw })[name],
    };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    env = { problem: error.message.replace(`${ENV_VARS[name]}: `, '') };
  }
  return { context, env };
}

const ENV_VARS = {
  regions: SETTINGS.regions.envVar,
  apiBudgetTps: SETTINGS.apiBudgetTps.envVar,
  renotifyAfterHours: SETTINGS.renotifyAfterHours.envVar,
  fullRefreshHours: SETTINGS.fullRefreshHours.envVar,
  retainResolvedDays: SETTINGS.retainResolvedDays.envVar,
  accounts: SETTINGS.accounts.envVar,
  memberRoleName: SETTINGS.memberRoleName.envVar,
  securityHub: SETTINGS.securityHub.envVar,
  iacDrift: SETTINGS.iacDrift.envVar,
  eventBus: SETTINGS.eventBus.envVar,
  remediation: SETTINGS.remediation.envVar,
  remediationTag: SETTINGS.remediationTag.envVar,
  remediationMaxChanges: SETTINGS.remediationMaxChanges.envVar,
  remediationMaxPercent: SETTINGS.remediationMaxPercent.envVar,
  changeMaxRooms: SETTINGS.changeMaxRooms.envVar,
} as const;

describe('Settings table', () => {
  it('names an environment variable for exactly the settings the Lambda reads', () => {
    const withEnv = SETTING_NAMES.filter((name) => 'envVar' in SETTINGS[name]);
    expect(withEnv.sort()).toEqual(Object.keys(ENV_VARS).sort());
  });

  it("matches cdk.json's context block: the same keys, each holding the table's default", () => {
    const context = JSON.parse(readFileSync('cdk.json', 'utf8')).context as Record<string, unknown>;
    // Keys with a colon are CDK feature flags; '//' is the comment.
    const settingKeys = Object.keys(context).filter((key) => !key.includes(':') && key !== '//');
    expect(settingKeys).toEqual(SETTING_NAMES);
    for (const name of SETTING_NAMES) {
      const parsed = parseSetting(SETTINGS[name], context[name]);
      expect({ name, parsed }).toEqual({ name, parsed: { ok: true, value: SETTINGS[name].default } });
    }
  });

  it("is docs/deploy.md's settings table, row for row", () => {
    const docs = readFileSync('docs/deploy.md', 'utf8');
    expect(docs, `docs/deploy.md must contain this table:\n${docsTable()}`).toContain(docsTable());
  });

  it("is summed up in the README's Deploy section, every key with its default", () => {
    const readme = readFileSync('README.md', 'utf8');
    const paragraph = readme.slice(readme.indexOf('Settings ('), readme.indexOf('docs/deploy.md)**'));
    for (const name of SETTING_NAMES) {
      const setting: Setting = SETTINGS[name];
      expect(paragraph).toContain(`\`${name}\``);
      if (typeof setting.default === 'number') expect(paragraph).toContain(`\`${name}\` (${setting.default}`);
    }
  });

  it('gives the function a variable for every setting and wire the Lambda reads, and nothing else', () => {
    const always = Object.values(WIRING_ENV).filter((name) => !OPTIONAL_WIRING_ENV.includes(name));
    const { template } = synthApp({ regions: 'us-east-1' });
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
    const variables = Object.keys(fn?.Properties.Environment.Variables ?? {});
    // A setting whose variable is set only when it is not the default (iacDrift) is absent here, and
    // the optional wiring is there exactly when its feature is on.
    const whenSet = SETTING_NAMES.map((name) => SETTINGS[name] as Setting)
      .filter((setting) => setting.envOnlyWhenSet)
      .map((setting) => setting.envVar);
    expect(variables.sort()).toEqual(
      [...Object.values(ENV_VARS), ...always, ...LIBRARY_ENV]
        .filter((name) => !whenSet.includes(name))
        .sort(),
    );
    const reports = synthApp({ regions: 'us-east-1', reportBucket: 'create' }).template;
    const [withReports] = Object.values(reports.findResources('AWS::Lambda::Function'));
    expect(Object.keys(withReports?.Properties.Environment.Variables ?? {}).sort()).toEqual(
      [...Object.values(ENV_VARS), ...Object.values(WIRING_ENV), ...LIBRARY_ENV]
        .filter((name) => !whenSet.includes(name))
        .sort(),
    );
    const on = synthApp({ regions: 'us-east-1', iacDrift: 'true' }).template;
    const [withDrift] = Object.values(on.findResources('AWS::Lambda::Function'));
    expect(withDrift?.Properties.Environment.Variables).toMatchObject({ IAC_DRIFT: 'true' });
  });

  it('passes each configured value through to the function unchanged', () => {
    const { template } = synthApp({
      regions: 'eu-west-1,us-east-1',
      apiBudgetTps: 2.5,
      renotifyAfterHours: '48',
      fullRefreshHours: 12,
      retainResolvedDays: '7',
    });
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
    const config = readEnv({
      ...fn?.Properties.Environment.Variables,
      ALERT_TOPIC_ARN: TOPIC,
      FUNCTION_ROLE_NAME: 'audit-role',
      FUNCTION_ROLE_ARN: 'arn:aws:iam::123456789012:role/audit-role',
    });
    expect(config).toMatchObject({
      regions: ['eu-west-1', 'us-east-1'],
      apiBudgetTps: 2.5,
      renotifyAfterHours: 48,
      fullRefreshHours: 12,
      retainResolvedDays: 7,
    });
  });

  it("admits exactly the log retention periods CloudWatch Logs accepts (aws-cdk-lib's RetentionDays but INFINITE)", () => {
    const cdkValues = Object.values(logs.RetentionDays).filter(
      (days): days is number => typeof days === 'number' && days !== logs.RetentionDays.INFINITE,
    );
    expect([...LOG_RETENTION_DAYS]).toEqual(cdkValues);
  });

  it('accepts the name of every region aws-cdk-lib knows, though the Lambda cannot carry that list', () => {
    const refused = RegionInfo.regions.map((r) => r.name).filter((name) => !isRegion(name));
    expect(refused).toEqual([]);
  });

  it('stays out of the Lambda bundle the CDK: lambda/runtime/config.ts pulls in neither aws-cdk-lib nor lib/', async () => {
    const result = await build({
      entryPoints: ['lambda/runtime/config.ts'],
      bundle: true,
      platform: 'node',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs).toContain('lambda/settings/table.ts');
    expect(inputs.filter((path) => path.includes('aws-cdk-lib') || path.startsWith('lib/'))).toEqual([]);
  });
});

describe('Context and environment agree on the same raw values', () => {
  const numbers = ['1', '4', '2.5', ' 12 ', '0', '0.1', '5', '5.01', '-1', '1.5', '1e3', '0x10', 'fast'];
  const bounds = ['8760', '8761', '3650', '3651', 'Infinity'];
  const numberCases = (
    ['apiBudgetTps', 'renotifyAfterHours', 'fullRefreshHours', 'retainResolvedDays'] as const
  ).flatMap((name) => [...numbers, ...bounds].map((raw) => [name, raw] as const));
  const regionCases = [
    'us-east-1',
    'us-east-1, eu-west-1,us-east-1,',
    'eusc-de-east-1',
    'us-gov-west-1',
    'us-middle-9',
    'US-EAST-1',
    'us-east-1a',
    'mars-north-1',
    'eu-west-1,moon-1',
  ].map((raw) => ['regions', raw] as const);

  it.each([...numberCases, ...regionCases])('%s = "%s"', (name, raw) => {
    const { context, env } = bothSides(name, raw);
    expect(env).toEqual(context);
  });

  it('reads whole numbers from cdk.json as it reads them from -c', () => {
    expect(
      readContext((key) => ({ renotifyAfterHours: 12, apiBudgetTps: 2.5 })[key as string]),
    ).toMatchObject({
      renotifyAfterHours: 12,
      apiBudgetTps: 2.5,
    });
    expect(() => readContext((key) => (key === 'retainResolvedDays' ? 1.5 : undefined))).toThrow(
      /retainResolvedDays: 1\.5 must be a whole number between 1 and 3650/,
    );
  });
});
