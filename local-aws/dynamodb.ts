/**
 * A local DynamoDB for the demo and the end-to-end tests: dynalite (an implementation of the
 * DynamoDB API, in memory) on a free port, with the state table shaped like the CDK stack's
 * (`pk` S, `sk` S, on-demand). TTL is not emulated by dynalite; nothing here relies on it.
 */

import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { listen } from './listen.js';

/** dynalite ships no type declarations: load it through require with the one signature used here. */
const dynalite = createRequire(import.meta.url)('dynalite') as (options: {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}) => Server;

export const DEFAULT_STATE_TABLE = 'ivschat-auditor-state';

export interface LocalDynamo {
  /** e.g. http://127.0.0.1:45679 */
  endpoint: string;
  /** A client for the local endpoint (throwaway credentials); destroyed by `close()`. */
  client: DynamoDBClient;
  /** The state table created at start. */
  tableName: string;
  /** Creates another state-shaped table (a clean slate per test) and returns its name. */
  createStateTable(name: string): Promise<string>;
  close(): Promise<void>;
}

export interface LocalDynamoOptions {
  tableName?: string;
  host?: string;
  port?: number;
  region?: string;
}

export async function startLocalDynamo(options: LocalDynamoOptions = {}): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const host = options.host ?? '127.0.0.1';
  const port = await listen(server as Server, options.port ?? 0, host);
  const endpoint = `http://${host}:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: options.region ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const close = async () => {
    client.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  const createStateTable = (name: string) => createStateTableOn(client, name);
  const tableName = options.tableName ?? DEFAULT_STATE_TABLE;
  try {
    await createStateTable(tableName);
  } catch (error) {
    await close();
    throw error;
  }
  return { endpoint, client, tableName, createStateTable, close };
}

/** Creates a table with the CDK stack's key schema (`pk` S, `sk` S) and waits until it is ACTIVE. */
export async function createStateTableOn(client: DynamoDBClient, name: string): Promise<string> {
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    }),
  );
  for (let attempt = 0; attempt < 100; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
    if (Table?.TableStatus === 'ACTIVE') return name;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`local DynamoDB table ${name} did not become ACTIVE`);
}
