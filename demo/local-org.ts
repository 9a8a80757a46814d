/**
 * A local organization for the state machine: the emulator serving several accounts (one whose
 * member role can be made unassumable), dynalite with the state table, the alert topic, and the real
 * audit handler wired to them. `run()` executes the synthesized state machine through
 * aws-local-stepfunctions. Shared by the engine tests, `npm run demo -- --org` and `bench orgScale`;
 * it lives here, not in local-aws/, because it wires the product's handler to the emulator.
 */

import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createHandler } from '../lambda/handler.js';
import type { HandlerDeps } from '../lambda/runtime/deps.js';
import {
  createStateTableOn,
  DEFAULT_STATE_TABLE,
  type LocalDynamo,
  startLocalDynamo,
} from '../local-aws/dynamodb.js';
import {
  ACCOUNT_ID,
  type LocalAws,
  type LocalAwsOptions,
  type SeedRoom,
  startLocalAws,
} from '../local-aws/index.js';
import { type AuditHandler, type LocalRunResult, runLocalStateMachine } from '../local-aws/step-functions.js';

const POLICIES_DIR = fileURLToPath(new URL('../policies', import.meta.url));
export const TOPIC_REGION = 'us-east-1';
/** The auditor's own account: the emulator's default caller. */
export const AUDITOR_ACCOUNT = ACCOUNT_ID;
/** The id of the ACTIVE logging configuration every account and region of the local org has. */
export const ORG_LOGGING_CONFIG_ID = 'LogsActive01';
/** Its ARN in one account and region, for room fixtures. */
export const orgLoggingConfigArn = (accountId: string, region: string) =>
  `arn:aws:ivschat:${region}:${accountId}:logging-configuration/${ORG_LOGGING_CONFIG_ID}`;

export interface OrgOptions {
  /** Accounts to audit besides none: ids (the auditor's own included if it should be audited). */
  accounts: readonly string[];
  regions: readonly string[];
  /** Rooms, each with its `accountId` and `region`. */
  rooms: readonly SeedRoom[];
  /** Accounts whose member role cannot be assumed (AccessDenied from STS). */
  denyAssumeRole?: readonly string[];
  quotas?: LocalAwsOptions['quotas'];
  /** The function's AUDIT_ACCOUNTS; default: `accounts` as a list (`organization` lists them all). */
  auditAccounts?: string;
  maxConcurrency?: number;
  /**
   * Runs dynalite on a thread of its own. In one thread, the local DynamoDB's CPU competes with the
   * handlers' (DynamoDB is a service elsewhere when deployed): the orgScale bench keeps it apart.
   */
  dynamoThread?: boolean;
  /** The function's policy folder (POLICIES_DIR); default: the repository's policies/. */
  policiesDir?: string;
}

export interface LocalOrg {
  aws: LocalAws;
  dynamo: LocalDynamo;
  table: string;
  topicArn: string;
  /** The audit function's handler as the Lambda runtime would call it (a fresh container each call). */
  handler(deps?: Partial<HandlerDeps>): AuditHandler;
  /** One state machine execution, start to end. */
  run(
    executionName: string,
    options?: { handler?: AuditHandler; invocationMs?: number },
  ): Promise<LocalRunResult>;
  close(): Promise<void>;
}

export async function startLocalOrg(
  /** The synthesized definition (demo/state-machine-definition.ts). */
  definition: object,
  options: OrgOptions,
): Promise<LocalOrg> {
  // EMF lines on stdout would bury the demo's output; the tests read metrics through their own logger.
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  const aws = await startLocalAws({
    accounts: options.accounts.filter((id) => id !== ACCOUNT_ID),
    seed: [...options.rooms],
    ...(options.quotas ? { quotas: options.quotas } : {}),
    faults: { assumeRoleDeniedAccounts: [...(options.denyAssumeRole ?? [])] },
  });
  let dynamo: LocalDynamo;
  try {
    dynamo = options.dynamoThread ? await startDynamoThread() : await startLocalDynamo();
  } catch (error) {
    await aws.close();
    throw error;
  }
  // One ACTIVE logging configuration per account and region: the rooms' fixtures point at it.
  aws.seedLoggingConfigurations(
    undefined,
    options.accounts.flatMap((accountId) =>
      options.regions.map((region) => ({
        accountId,
        region,
        id: ORG_LOGGING_CONFIG_ID,
        name: 'chat-logs',
        state: 'ACTIVE',
        destinationConfiguration: { cloudWatchLogs: { logGroupName: '/ivs/chat' } },
      })),
    ),
  );
  const topicArn = aws.createTopic(TOPIC_REGION, 'ivschat-auditor-alerts');
  const table = dynamo.tableName;
  const env = {
    AUDIT_REGIONS: options.regions.join(','),
    AUDIT_ACCOUNTS: options.auditAccounts ?? options.accounts.join(','),
    ALERT_TOPIC_ARN: topicArn,
    STATE_TABLE_NAME: table,
    POLICIES_DIR: options.policiesDir ?? POLICIES_DIR,
    AWS_REGION: TOPIC_REGION,
    AUDITOR_NAME: 'local-org',
  };
  const quiet = () => new Logger({ serviceName: 'ivschat-auditor', logLevel: 'SILENT' });
  const handler = (deps: Partial<HandlerDeps> = {}): AuditHandler =>
    createHandler({
      env,
      connection: { endpoint: aws.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } },
      dynamoClient: dynamo.client,
      logger: quiet(),
      metrics: new Metrics({
        namespace: 'IvsChatAuditorLocal',
        serviceName: 'ivschat-auditor',
        logger: quiet(),
      }),
      ...deps,
    });
  const defaultHandler = handler();
  return {
    aws,
    dynamo,
    table,
    topicArn,
    handler,
    run: (executionName, runOptions = {}) =>
      runLocalStateMachine({
        definition,
        handler: runOptions.handler ?? defaultHandler,
        executionName,
        ...(runOptions.invocationMs ? { invocationMs: runOptions.invocationMs } : {}),
      }),
    close: async () => {
      await Promise.allSettled([aws.close(), dynamo.close()]);
    },
  };
}

/** dynalite in a worker thread (plain CommonJS, so the worker needs no TypeScript loader). */
async function startDynamoThread(): Promise<LocalDynamo> {
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const server = require(workerData.dynalite)({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
     server.on('error', (error) => { throw error; });
     server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));`,
    { eval: true, workerData: { dynalite: createRequire(import.meta.url).resolve('dynalite') } },
  );
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const close = async () => {
    client.destroy();
    await worker.terminate();
  };
  const createStateTable = (name: string) => createStateTableOn(client, name);
  try {
    await createStateTable(DEFAULT_STATE_TABLE);
  } catch (error) {
    await close();
    throw error;
  }
  return { endpoint, client, tableName: DEFAULT_STATE_TABLE, createStateTable, close };
}
