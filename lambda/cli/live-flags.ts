import type { AwsConnection } from '../aws/clients.js';
import { isRegionName } from '../core/arn.js';
import { ConfigError } from '../core/errors.js';
import { IVSCHAT_QUOTA_TPS } from '../core/ivschat-quota.js';

/** The flags every command that calls IVS Chat shares (audit, export-rooms). */
export interface LiveFlags {
  region: string[];
  endpoint?: string;
  apiBudget: number;
  timeout: number;
}

/**
 * The default whole-run bound of a live command, in seconds. GetRoom at the default budget of 4/s
 * makes a first run take about rooms ÷ 4 s per region: an hour covers some 14,000 rooms.
 */
export const DEFAULT_TIMEOUT_SECONDS = 3600;

/**
 * How the CLI talks to AWS. A person waits for it, so an endpoint that accepts connections and never
 * answers must fail soon, not after the 150 s five 10 s attempts on each of a run's first three
 * calls (GetCallerIdentity, ListRooms, ListLoggingConfigurations, one after another) would take.
 * IVS Chat and STS answer in well under a second, so 5 s per attempt is generous, and a call gives
 * up after two unanswered attempts: about 30 s in all (README). Throttling and server errors keep
 * all five.
 */
export const CLI_CONNECTION: AwsConnection = { requestTimeoutMs: 5_000, silentAttempts: 2 };

export interface LiveSettings {
  regions: string[];
  connection: AwsConnection;
  apiBudgetTps: number;
}

/** `--region` values (or $AWS_REGION), in every mode: a typo must not pass as "0 rooms, clean". */
export function checkRegionFlags(regions: readonly string[]): void {
  const bad = regions.find((r) => !isRegionName(r));
  if (bad) throw new ConfigError('--region', `"${bad}" is not a region name (e.g. us-east-1)`);
}

/** Checks the live flags before any call is made; a bad one is a ConfigError naming the flag. */
export function liveSettings(flags: LiveFlags, env: NodeJS.ProcessEnv): LiveSettings {
  const regions = flags.region.length > 0 ? flags.region : [env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? ''];
  if (!regions[0]) throw new ConfigError('--region', 'no region given: pass --region or set AWS_REGION');
  checkRegionFlags(regions);
  if (flags.endpoint && !URL.canParse(flags.endpoint)) {
    throw new ConfigError('--endpoint', `not a URL: "${flags.endpoint}" (e.g. http://127.0.0.1:4566)`);
  }
  if (flags.apiBudget > IVSCHAT_QUOTA_TPS && !flags.endpoint) {
    throw new ConfigError(
      '--api-budget',
      `${flags.apiBudget} is above the IVS Chat quota of ${IVSCHAT_QUOTA_TPS} calls per second, shared with your application`,
    );
  }
  return {
    regions: [...new Set(regions)],
    connection: { ...CLI_CONNECTION, ...(flags.endpoint ? { endpoint: flags.endpoint } : {}) },
    apiBudgetTps: flags.apiBudget,
  };
}
