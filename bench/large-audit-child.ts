/**
 * Child process of `bench largeFirstAudit` (bundled and minified by bench/run.ts, like the Lambda, and
 * started with the stack's NODE_OPTIONS): one state-machine run of one target with the real handler,
 * as the deployed workflow drives it — plan, then the audit-target step again while it answers
 * `done: false` — in one warm container. Each invocation gets Lambda's 900 s and the
 * deadline margin scaled down by the emulator's time scale S: `getRemainingTimeInMillis` reports
 * S × the real time left of a 900 / S second invocation. The API budget is 4 × S. Prints one JSON line.
 *
 * argv: AWS_ENDPOINT DYNAMO_ENDPOINT TABLE TOPIC_ARN SCALE STARTED_AT
 */
import { readFileSync } from 'node:fs';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createHandler } from '../lambda/handler.js';
import type { AuditTargetResult, PlanResult } from '../lambda/modes/state-machine/events.js';

const [endpoint, dynamoEndpoint, tableName, topicArn, scaleArg, startedAt] = process.argv.slice(2);
if (!endpoint || !dynamoEndpoint || !tableName || !topicArn || !scaleArg || !startedAt) {
  throw new Error('usage: large-audit-child AWS_ENDPOINT DYNAMO_ENDPOINT TABLE TOPIC_ARN SCALE STARTED_AT');
}
const scale = Number(scaleArg);
/** Lambda's most: the function's timeout in the stack. */
const LAMBDA_MS = 900_000;
const BUDGET_TPS = 4;

process.env.POWERTOOLS_METRICS_DISABLED = 'true';
const handler = createHandler({
  env: {
    AUDIT_REGIONS: 'us-east-1',
    AUDIT_ACCOUNTS: '000000000000',
    ALERT_TOPIC_ARN: topicArn,
    STATE_TABLE_NAME: tableName,
  },
  connection: { endpoint },
  dynamoClient: new DynamoDBClient({
    endpoint: dynamoEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  }),
  apiBudgetTps: BUDGET_TPS * scale,
  logger: new Logger({ serviceName: 'ivschat-auditor', logLevel: 'ERROR' }),
  metrics: new Metrics({ namespace: 'IvsChatAuditor', serviceName: 'bench' }),
});

/** One invocation with a scaled deadline; its result and how long it took. */
async function invoke<T>(event: object): Promise<{ result: T; seconds: number }> {
  const started = performance.now();
  const realMs = LAMBDA_MS / scale;
  const context = { getRemainingTimeInMillis: () => (realMs - (performance.now() - started)) * scale };
  const result = (await handler(event, context)) as T;
  return { result, seconds: (performance.now() - started) / 1000 };
}

const runId = 'bench-large-first-audit';
const plan = await invoke<PlanResult>({ step: 'plan', runId, startedAt });
if (plan.result.count !== 1) throw new Error(`expected one target, planned ${plan.result.count}`);
const invocations: { seconds: number; done: boolean }[] = [];
const auditStart = performance.now();
let iteration = 0;
for (;;) {
  const step = { step: 'audit-target', runId, startedAt, index: 0, iteration };
  const { result, seconds } = await invoke<AuditTargetResult>(step);
  invocations.push({ seconds: Math.round(seconds * 100) / 100, done: result.done });
  if (result.done) break;
  iteration = result.iteration;
}
const auditSeconds = (performance.now() - auditStart) / 1000;
// The target's audit ends here; the aggregate step (one alert, the finding state) is orgScale's to measure.

process.stdout.write(
  `${JSON.stringify({
    planSeconds: plan.seconds,
    auditSeconds,
    invocations,
    hwmRssMb: highWaterMarkMb(),
  })}\n`,
);

/** The process's memory high-water mark (VmHWM, Linux): the largest invocation's, the container being warm. */
function highWaterMarkMb(): number | undefined {
  try {
    const kb = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kb ? Math.round((Number(kb) / 1024) * 10) / 10 : undefined;
  } catch {
    return undefined;
  }
}
