/**
 * The Lambda's side of the settings table: its environment read and checked once into a
 * `HandlerConfig`, a bad variable failing fast with its name.
 */
import { isAbsolute, resolve } from 'node:path';
import { topicRegion } from '../core/arn.js';
import { ConfigError } from '../core/errors.js';
import { DEFAULT_POLICIES_DIR } from '../policy/load-dir.js';
import { checkBucketName, parseTag } from '../settings/checks.js';
import { parseSetting } from '../settings/parse.js';
import { type EnvSettingName, SETTINGS, type SettingValues } from '../settings/table.js';
import { auditorNameOf, WIRING_ENV } from '../settings/wiring.js';

/**
 * The Lambda's configuration, from its environment (set by the CDK stack): the settings the function
 * reads, typed by the settings table, and the wiring the stack hands it.
 */
export type HandlerConfig = Omit<Pick<SettingValues, EnvSettingName>, 'eventBus'> & {
  topicArn: string;
  stateTableName?: string;
  policiesDir: string;
  /** The metrics' `Auditor` dimension value. */
  auditorName: string;
  /** `default` or a bus ARN; absent: no events. */
  eventBus?: string;
  /** `remediationTag` (`key=value`, as written) split. */
  remediationTagParsed: { key: string; value: string };
  /** The function role's name (FUNCTION_ROLE_NAME), when the stack set it. */
  functionRoleName?: string;
  /** The audit function role's ARN, path included (FUNCTION_ROLE_ARN), when the stack set it. */
  functionRoleArn?: string;
  /** The bucket each run's HTML report is written to (REPORT_BUCKET); absent: no report is written. */
  reportBucket?: string;
};

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/(?:[\x21-\x7e]+\/)?[\w+=,.@-]{1,64}$/;

/** Reads and checks every variable; a bad one fails fast with a message naming it. */
export function readConfig(env: NodeJS.ProcessEnv): HandlerConfig {
  const topicArn = env[WIRING_ENV.topicArn]?.trim() ?? '';
  if (!topicArn)
    throw new ConfigError(WIRING_ENV.topicArn, 'is not set; it must name the SNS topic alerts go to');
  if (topicRegion(topicArn) === undefined)
    throw new ConfigError(WIRING_ENV.topicArn, `is not an SNS topic ARN: "${topicArn}"`);

  const setting = <K extends EnvSettingName>(name: K): SettingValues[K] => {
    const { envVar } = SETTINGS[name];
    const parsed = parseSetting(SETTINGS[name], env[envVar]);
    if (!parsed.ok) throw new ConfigError(envVar, parsed.problems.join('; '));
    // parseSetting's value type, resolved for this one setting.
    return parsed.value as SettingValues[K];
  };

  // An empty list means the stack's own region, which is the function's.
  const listed = setting('regions');
  const regions = listed.length > 0 ? listed : [env.AWS_REGION?.trim() ?? ''].filter(Boolean);
  if (regions.length === 0) {
    throw new ConfigError(SETTINGS.regions.envVar, 'is not set and AWS_REGION is empty');
  }

  const policiesDirVar = env[WIRING_ENV.policiesDir];
  const policiesDir = policiesDirVar
    ? isAbsolute(policiesDirVar)
      ? policiesDirVar
      : resolve(env.LAMBDA_TASK_ROOT ?? process.cwd(), policiesDirVar)
    : DEFAULT_POLICIES_DIR;
  const stateTableName = env[WIRING_ENV.stateTableName];
  const eventBus = setting('eventBus');
  const remediationTag = setting('remediationTag');
  const functionRoleName = env[WIRING_ENV.functionRoleName]?.trim();
  const functionRoleArn = env[WIRING_ENV.functionRoleArn]?.trim();
  if (functionRoleArn && !ROLE_ARN.test(functionRoleArn))
    throw new ConfigError(WIRING_ENV.functionRoleArn, `is not an IAM role ARN: "${functionRoleArn}"`);
  const reportBucket = env[WIRING_ENV.reportBucket]?.trim();
  const badBucket = reportBucket ? checkBucketName(reportBucket) : undefined;
  if (badBucket) throw new ConfigError(WIRING_ENV.reportBucket, badBucket);

  return {
    regions,
    topicArn,
    apiBudgetTps: setting('apiBudgetTps'),
    ...(stateTableName ? { stateTableName } : {}),
    renotifyAfterHours: setting('renotifyAfterHours'),
    fullRefreshHours: setting('fullRefreshHours'),
    retainResolvedDays: setting('retainResolvedDays'),
    policiesDir,
    accounts: setting('accounts'),
    memberRoleName: setting('memberRoleName'),
    auditorName: auditorNameOf(env),
    securityHub: setting('securityHub'),
    iacDrift: setting('iacDrift'),
    ...(eventBus ? { eventBus } : {}),
    remediation: setting('remediation'),
    remediationTag,
    // The setting's check has accepted it, so it parses.
    remediationTagParsed: parseTag(remediationTag) as { key: string; value: string },
    remediationMaxChanges: setting('remediationMaxChanges'),
    remediationMaxPercent: setting('remediationMaxPercent'),
    changeMaxRooms: setting('changeMaxRooms'),
    ...(functionRoleName ? { functionRoleName } : {}),
    ...(functionRoleArn ? { functionRoleArn } : {}),
    ...(reportBucket ? { reportBucket } : {}),
  };
}
