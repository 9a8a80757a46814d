import { closestWord } from '../lambda/core/closest-word.js';
import {
  type EnvSettingName,
  formatSetting,
  parseSetting,
  SETTING_NAMES,
  SETTINGS,
  type Setting,
  type SettingName,
  type SettingValue,
} from '../lambda/settings/table.js';

export {
  checkSchedule,
  MAX_SCHEDULE_INTERVAL_SECONDS,
  scheduleIntervalSeconds,
} from '../lambda/settings/schedule-expression.js';
/** The settings table, for users of the construct (the context keys, their defaults and ranges). */
export { SETTINGS, type SettingName } from '../lambda/settings/table.js';

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
  /** Member accounts to audit, or `['organization']`; empty means the deploying account only. */
  readonly accounts: string[];
  readonly memberRoleName: string;
  /** Read by the member stack only: role or user ARNs its role trusts besides the auditor's. */
  readonly memberTrustedPrincipals: string[];
  readonly maxConcurrency: number;
  /** The target-failure alarm's threshold, in consecutive runs. */
  readonly targetFailureAlarmRuns: number;
  /** Pins the member trust and the auditor's AssumeRole to this organization. */
  readonly organizationId?: string;
  /** Read by the member stack only: the account whose auditor it trusts; absent means its own. */
  readonly auditorAccountId?: string;
  /** `true` imports findings into Security Hub (ASFF); `false` does not. */
  readonly securityHub: string;
  /** `default`, an event bus ARN, or empty (no EventBridge events). */
  readonly eventBus: string;
  /** `off`, `plan` or `apply`. */
  readonly remediation: string;
  /** `key=value`: with `apply`, only rooms with this tag may be written. */
  readonly remediationTag: string;
  readonly remediationMaxChanges: number;
  readonly remediationMaxPercent: number;
  /** `true`: the change-event rule, queue and function; `false`: the schedule only. */
  readonly changeEvents: string;
  readonly changeBatchWindowSeconds: number;
  readonly changeMaxRooms: number;
  /** Read by the member stack only: the auditor stack's region; absent means its own. */
  readonly auditorRegion?: string;
  /** Days every log group of the auditor keeps its events (a CloudWatch Logs retention value). */
  readonly logRetentionDays: number;
  /** The VPC the functions run in; absent means no VPC. Always given with `subnetIds`. */
  readonly vpcId?: string;
  /** Subnets of `vpcId` the functions run in; empty without a VPC. */
  readonly subnetIds: string[];
}

/** Why `memberTrustedPrincipals` and `remediation=apply` do not go together (context and member stack). */
export const MEMBER_TRUST_WITH_APPLY =
  'memberTrustedPrincipals: not with remediation=apply, which lets the member role update rooms: every principal it trusts could too. Give the operator or CI role read access of its own instead';

/**
 * The member stack's `trustedPrincipals` prop, checked as the `memberTrustedPrincipals` setting is
 * (for users of the construct, who give no context): the valid list, or an error to fail synth.
 */
export function checkMemberTrustedPrincipals(
  given: readonly string[] | undefined,
  remediation: string,
): string[] {
  const parsed = parseSetting(SETTINGS.memberTrustedPrincipals, given);
  if (!parsed.ok) throw new Error(`ivschat-auditor: trustedPrincipals: ${parsed.problems.join('; ')}`);
  if (parsed.value.length > 0 && remediation === 'apply')
    throw new Error(`ivschat-auditor: ${MEMBER_TRUST_WITH_APPLY}`);
  return parsed.value;
}

/** The context keys this app reads: the names of the settings table (`lambda/settings/table.ts`). */
export type ContextKey = SettingName;

export class InvalidContextError extends Error {
  override readonly name = 'InvalidContextError';
  constructor(readonly problems: string[]) {
    super(`Invalid ivschat-auditor context:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * The context keys the CDK toolkit and aws-cdk-lib read or write without a namespace (`cdk
 * acknowledge`, `cdk cli-telemetry`, `cdk migrate`, the ECR asset repository override), as found in
 * aws-cdk 2.1148 and aws-cdk-lib 2.276. Every other key of theirs is namespaced: `aws:cdk:…`,
 * `@aws-cdk/…` feature flags, `aws-cdk:…`, and the `<provider>:account=…` lookups of cdk.context.json.
 */
export const CDK_BARE_CONTEXT_KEYS = [
  'acknowledged-issue-numbers',
  'cli-telemetry',
  'cdk-migrate',
  'assets-ecr-repository-name',
] as const;

/**
 * Whether a context key is one this app should know: not namespaced (a `:`, `@` or `/` marks CDK's
 * keys, a library's, or cdk.json's `//` comment), not CDK's own (`cdk-…` included, the prefix of
 * the toolkit's), and so a setting or a misspelt one.
 */
function looksLikeSetting(key: string): boolean {
  return (
    !/[:@/]/.test(key) &&
    !key.startsWith('cdk-') &&
    !(CDK_BARE_CONTEXT_KEYS as readonly string[]).includes(key)
  );
}

/**
 * One problem per context key that looks like a setting and is none: `-c remediaton=apply` would
 * otherwise synthesize with remediation off, and nobody would know.
 */
export function unknownContextKeys(keys: readonly string[]): string[] {
  const known: readonly string[] = SETTING_NAMES;
  return keys
    .filter((key) => looksLikeSetting(key) && !known.includes(key))
    .map((key) => {
      const guess = closestWord(key, known);
      return (
        `${key}: not an ivschat-auditor setting${guess ? ` (did you mean "${guess}"?)` : ''}; ` +
        "the settings are the keys of cdk.json's context block, listed in docs/deploy.md (Context keys)"
      );
    });
}

/**
 * Reads and validates every context key, collecting all problems into one `InvalidContextError` so a
 * user fixes them in one pass. Values from `-c` arrive as strings; values from `cdk.json` may be
 * JSON numbers or arrays; both are accepted. `contextKeys`, every key the app was given, is checked
 * for misspelt settings (the construct's props have none, so it passes none).
 */
export function readConfig(
  getContext: (key: ContextKey) => unknown,
  contextKeys: readonly string[] = [],
): AuditorConfig {
  const problems: string[] = unknownContextKeys(contextKeys);
  const values = {} as { -readonly [K in SettingName]: SettingValue<(typeof SETTINGS)[K]> };
  for (const key of SETTING_NAMES) {
    const parsed = parseSetting(SETTINGS[key], getContext(key));
    if (parsed.ok) Object.assign(values, { [key]: parsed.value });
    else problems.push(...parsed.problems.map((problem) => `${key}: ${problem}`));
  }

  const { slackWorkspaceId: workspaceId, slackChannelId: channelId } = values;
  // Only between two valid ids: an invalid one has its own problem already.
  const bothParsed = 'slackWorkspaceId' in values && 'slackChannelId' in values;
  if (bothParsed && Boolean(workspaceId) !== Boolean(channelId)) {
    const [missing, given] = workspaceId
      ? ['slackChannelId', 'slackWorkspaceId']
      : ['slackWorkspaceId', 'slackChannelId'];
    problems.push(`${missing}: required when ${given} is given (set both or neither)`);
  }

  const vpcParsed = 'vpcId' in values && 'subnetIds' in values;
  if (vpcParsed && Boolean(values.vpcId) !== values.subnetIds.length > 0) {
    problems.push(
      values.vpcId
        ? 'subnetIds: required when vpcId is given (the subnets of that VPC the functions run in)'
        : 'vpcId: required when subnetIds is given (the VPC those subnets belong to)',
    );
  }

  // The member role may then update rooms: every principal it trusts could too.
  const bothRead = 'memberTrustedPrincipals' in values && 'remediation' in values;
  if (bothRead && values.memberTrustedPrincipals.length > 0 && values.remediation === 'apply') {
    problems.push(MEMBER_TRUST_WITH_APPLY);
  }

  if (problems.length > 0) throw new InvalidContextError(problems);
  return {
    schedule: values.schedule,
    regions: values.regions,
    alertEmails: values.alertEmails,
    ...(workspaceId && channelId ? { slack: { workspaceId, channelId } } : {}),
    apiBudgetTps: values.apiBudgetTps,
    renotifyAfterHours: values.renotifyAfterHours,
    fullRefreshHours: values.fullRefreshHours,
    retainResolvedDays: values.retainResolvedDays,
    accounts: values.accounts,
    memberRoleName: values.memberRoleName,
    memberTrustedPrincipals: values.memberTrustedPrincipals,
    maxConcurrency: values.maxConcurrency,
    targetFailureAlarmRuns: values.targetFailureAlarmRuns,
    ...(values.organizationId ? { organizationId: values.organizationId } : {}),
    ...(values.auditorAccountId ? { auditorAccountId: values.auditorAccountId } : {}),
    securityHub: values.securityHub,
    eventBus: values.eventBus,
    remediation: values.remediation,
    remediationTag: values.remediationTag,
    remediationMaxChanges: values.remediationMaxChanges,
    remediationMaxPercent: values.remediationMaxPercent,
    changeEvents: values.changeEvents,
    changeBatchWindowSeconds: values.changeBatchWindowSeconds,
    changeMaxRooms: values.changeMaxRooms,
    ...(values.auditorRegion ? { auditorRegion: values.auditorRegion } : {}),
    logRetentionDays: values.logRetentionDays,
    ...(values.vpcId ? { vpcId: values.vpcId } : {}),
    subnetIds: values.subnetIds,
  };
}

/**
 * The function's variable for every setting the Lambda reads. Typed on `Pick`, so a setting given an
 * environment variable in the table without a field here does not compile.
 */
export function settingsEnvironment(config: Pick<AuditorConfig, EnvSettingName>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of SETTING_NAMES) {
    const setting: Setting = SETTINGS[name];
    if (setting.envVar) env[setting.envVar] = formatSetting(config[name as EnvSettingName]);
  }
  return env;
}
