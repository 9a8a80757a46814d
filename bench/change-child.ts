/**
 * Child process of the changeEvents benchmark (bundled and minified by bench/run.ts, like the Lambda,
 * and started with the stack's NODE_OPTIONS): one invocation of the change function, cold. Runs the
 * real handler (createHandler) on the SQS event in EVENT_FILE against the emulator and dynalite of
 * the parent, and prints one JSON line: what the handler returned (the partial-batch response and
 * its summary) and how long it took.
 *
 * argv: AWS_ENDPOINT DYNAMO_ENDPOINT TABLE TOPIC_ARN EVENT_FILE API_BUDGET_TPS
 */

import { readFileSync } from 'node:fs';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createHandler } from '../lambda/handler.js';

const [endpoint, dynamoEndpoint, tableName, topicArn, eventFile, budget] = process.argv.slice(2);
if (!endpoint || !dynamoEndpoint || !tableName || !topicArn || !eventFile || !budget) {
  throw new Error(
    'usage: change-child AWS_ENDPOINT DYNAMO_ENDPOINT TABLE TOPIC_ARN EVENT_FILE API_BUDGET_TPS',
  );
}

// Metrics would print an EMF line on stdout (the bench reads the last line).
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
const handler = createHandler({
  env: {
    AUDIT_REGIONS: 'us-east-1',
    ALERT_TOPIC_ARN: topicArn,
    STATE_TABLE_NAME: tableName,
    FUNCTION_ROLE_NAME: 'ivschat-auditor-function',
  },
  connection: { endpoint },
  dynamoClient: new DynamoDBClient({
    endpoint: dynamoEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  }),
  // The per-target budget the scheduled audit uses; scaled with the emulator's quotas for the storm.
  apiBudgetTps: Number(budget),
  logger: new Logger({ serviceName: 'ivschat-auditor', logLevel: 'ERROR' }),
  metrics: new Metrics({ namespace: 'IvsChatAuditor', serviceName: 'bench' }),
});

const t0 = performance.now();
const result = await handler(JSON.parse(readFileSync(eventFile, 'utf8')), {
  // The change function's timeout in the stack: 5 minutes.
  getRemainingTimeInMillis: () => 300_000 - (performance.now() - t0),
});
process.stdout.write(
  `${JSON.stringify({ result, seconds: Math.round(((performance.now() - t0) / 1000) * 100) / 100 })}\n`,
);
