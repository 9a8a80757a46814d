import { isAbsolute, resolve } from 'node:path';
import { DEFAULT_API_BUDGET_TPS, IVSCHAT_QUOTA_TPS } from './aws/rate-limit.js';
import { isRegionName } from './core/arn.js';
import { ConfigError } from './core/errors.js';
import { DEFAULT_POLICIES_DIR } from './policy/load-dir.js';

/** The Lambda's configuration, from its environment (set by the CDK stack). */
export interface HandlerConfig {
  regions: string[];
  topicArn: string;
  apiBudgetTps: number;
  stateTableName?: string;
  renotifyAfterHours: number;
  fullRefreshHours: number;
  retainResolvedDays: number;
  policiesDir: string;
}

const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

/** Reads and checks every variable; a bad one fails fast with a message naming it. */
export function readConfig(env: NodeJS.ProcessEnv): HandlerConfig {
  const topicArn = env.ALERT_TOPIC_ARN?.trim() ?? '';
  if (!topicArn)
    throw new ConfigError('ALERT_TOPIC_ARN', 'is not set; it must name the SNS topic alerts go to');
  if (!TOPIC_ARN.test(topicArn))
    throw new ConfigError('ALERT_TOPIC_ARN', `is not an SNS topic ARN: "${topicArn}"`);

  const regions = (env.AUDIT_REGIONS || env.AWS_REGION || '')
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  if (regions.length === 0) throw new ConfigError('AUDIT_REGIONS', 'is not set and AWS_REGION is empty');
  const badRegion = regions.find((r) => !isRegionName(r));
  if (badRegion)
    throw new ConfigError('AUDIT_REGIONS', `"${badRegion}" is not a region name (e.g. us-east-1)`);

  const policiesDir = env.POLICIES_DIR
    ? isAbsolute(env.POLICIES_DIR)
      ? env.POLICIES_DIR
      : resolve(env.LAMBDA_TASK_ROOT ?? process.cwd(), env.POLICIES_DIR)
    : DEFAULT_POLICIES_DIR;

  return {
    regions: [...new Set(regions)],
    topicArn,
    apiBudgetTps: numberVar(env, 'API_BUDGET_TPS', DEFAULT_API_BUDGET_TPS, {
      min: 0.1,
      max: IVSCHAT_QUOTA_TPS,
    }),
    ...(env.STATE_TABLE_NAME ? { stateTableName: env.STATE_TABLE_NAME } : {}),
    renotifyAfterHours: numberVar(env, 'RENOTIFY_AFTER_HOURS', 24, { min: 1 }),
    fullRefreshHours: numberVar(env, 'FULL_REFRESH_HOURS', 24, { min: 1 }),
    retainResolvedDays: numberVar(env, 'RETAIN_RESOLVED_DAYS', 30, { min: 1 }),
    policiesDir,
  };
}

function numberVar(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  range: { min: number; max?: number },
): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < range.min || (range.max !== undefined && value > range.max)) {
    const bounds = range.max === undefined ? `≥ ${range.min}` : `between ${range.min} and ${range.max}`;
    throw new ConfigError(name, `"${raw}" must be a number ${bounds}`);
  }
  return value;
}
