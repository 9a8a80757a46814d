/**
 * The stack's side of the settings table: context read and checked into an `AuditorConfig`, the
 * same checks for the construct's props, and the function environment written from a config.
 */
import { closestWord } from '../lambda/core/closest-word.js';
import { formatSetting, parseSetting } from '../lambda/settings/parse.js';
import {
  type EnvSettingName,
  type RemediationMode,
  SETTING_NAMES,
  SETTINGS,
  type SettingName,
  type SettingValues,
} from '../lambda/settings/table.js';
import type { Setting } from '../lambda/settings/types.js';

export {
  checkSchedule,
  MAX_SCHEDULE_INTERVAL_SECONDS,
  scheduleIntervalSeconds,
} from '../lambda/settings/schedule-expression.js';
/** The settings table, for users of the construct (the context keys, their defaults and ranges). */
export { SETTINGS, type SettingName } from '../lambda/settings/table.js';

/** Text settings whose empty value means "not given": absent from an `AuditorConfig`. */
type OptionalText = 'organizationId' | 'auditorAccountId' | 'auditorRegion' | 'vpcId';

/**
 * Validated deployment settings, read from CDK context (`cdk.json` or `-c key=value`): one field per
 * setting of the table, typed by it, except that the two Slack ids travel together as `slack` (both
 * set, or neither) and the optional ids are absent rather than empty.
 */
export type AuditorConfig = Readonly<
  Omit<SettingValues, OptionalText | 'slackWorkspaceId' | 'slackChannelId'> & {
    [K in OptionalText]?: string;
  } & {
    slack?: { readonly workspaceId: string; readonly channelId: string };
  }
>;

/** Why `memberTrustedPrincipals` and `remediation=apply` do not go together (context and member stack). */
export const MEMBER_TRUST_WITH_APPLY =
  'memberTrustedPrincipals: not with remediation=apply, which lets the member role update rooms: every principal it trusts could too. Give the operator or CI role read access of its own instead';

/**
 * The member stack's `trustedPrincipals` prop, checked as the `memberTrustedPrincipals` setting is
 * (for users of the construct, who give no context): the valid list, or an error to fail synth.
 */
export function checkMemberTrustedPrincipals(
  given: readonly string[] | undefined,
  remediation: RemediationMode,
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
 * for misspelt settings.
 */
export function readConfig(
  getContext: (key: ContextKey) => unknown,
  contextKeys: readonly string[] = [],
): AuditorConfig {
  const { config, problems } = checkSettings(getContext);
  problems.unshift(...unknownContextKeys(contextKeys));
  if (problems.length > 0) throw new InvalidContextError(problems);
  return config;
}

/**
 * Parses every setting from `raw` (absent means the default) and checks the settings that go
 * together: the one validation of both the context and the construct's props. Problems name the
 * setting; the config is whole only when there are none.
 */
export function checkSettings(raw: (name: SettingName) => unknown): {
  config: AuditorConfig;
  problems: string[];
} {
  const problems: string[] = [];
  const values = {} as SettingValues;
  for (const key of SETTING_NAMES) {
    const parsed = parseSetting(SETTINGS[key], raw(key));
    if (parsed.ok) Object.assign(values, { [key]: parsed.value });
    else problems.push(...parsed.problems.map((problem) => `${key}: ${problem}`));
  }
  problems.push(...pairProblems(values));
  return { config: asConfig(values), problems };
}

/** Settings each valid alone that do not go together; only between parsed values (an invalid one has its own problem). */
function pairProblems(values: Partial<SettingValues>): string[] {
  const problems: string[] = [];
  const { slackWorkspaceId: workspaceId, slackChannelId: channelId } = values;
  const bothParsed = 'slackWorkspaceId' in values && 'slackChannelId' in values;
  if (bothParsed && Boolean(workspaceId) !== Boolean(channelId)) {
    const [missing, given] = workspaceId
      ? ['slackChannelId', 'slackWorkspaceId']
      : ['slackWorkspaceId', 'slackChannelId'];
    problems.push(`${missing}: required when ${given} is given (set both or neither)`);
  }

  if (values.vpcId !== undefined && values.subnetIds !== undefined) {
    if (Boolean(values.vpcId) !== values.subnetIds.length > 0) {
      problems.push(
        values.vpcId
          ? 'subnetIds: required when vpcId is given (the subnets of that VPC the functions run in)'
          : 'vpcId: required when subnetIds is given (the VPC those subnets belong to)',
      );
    }
  }

  // The member role may then update rooms: every principal it trusts could too.
  const trusted = values.memberTrustedPrincipals;
  if (trusted && trusted.length > 0 && values.remediation === 'apply') problems.push(MEMBER_TRUST_WITH_APPLY);
  return problems;
}

/** The parsed values as a config: the Slack ids paired, the empty optional ids left out. */
function asConfig(values: SettingValues): AuditorConfig {
  const {
    slackWorkspaceId: workspaceId,
    slackChannelId: channelId,
    organizationId,
    auditorAccountId,
    auditorRegion,
    vpcId,
    ...settings
  } = values;
  return {
    ...settings,
    ...(workspaceId && channelId ? { slack: { workspaceId, channelId } } : {}),
    ...(organizationId ? { organizationId } : {}),
    ...(auditorAccountId ? { auditorAccountId } : {}),
    ...(auditorRegion ? { auditorRegion } : {}),
    ...(vpcId ? { vpcId } : {}),
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
    if (!setting.envVar) continue;
    const value = config[name as EnvSettingName];
    if (setting.envOnlyWhenSet && value === setting.default) continue;
    env[setting.envVar] = formatSetting(value);
  }
  return env;
}
