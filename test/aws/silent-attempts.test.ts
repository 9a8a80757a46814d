import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket, type Server as TcpServer } from 'node:net';
import { ListRoomsCommand } from '@aws-sdk/client-ivschat';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type AwsConnection,
  callerAccountId,
  ivschatClient,
  NoResponseError,
} from '../../lambda/aws/clients.js';
import { toAuditError } from '../../lambda/aws/inventory.js';
import { close, listen, port } from '../loopback.js';

// `silentAttempts` bounds what an endpoint that accepts connections and never answers costs a call,
// without taking attempts away from throttling or server errors.
let silent: TcpServer;
let unavailable: Server;
let wakesUp: Server;
const sockets = new Set<Socket>();
let silentConnections = 0;
let unavailableRequests = 0;
let wakesUpRequests = 0;
let silentUrl: string;

beforeAll(async () => {
  silent = createTcpServer((socket) => {
    silentConnections += 1;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  unavailable = createHttpServer((_req, res) => {
    unavailableRequests += 1;
    res.writeHead(503, { 'x-amzn-errortype': 'ServiceUnavailableException' }).end('{"message":"busy"}');
  });
  // Silent on its first request (a pooled connection dropped on the way), fine after that.
  wakesUp = createHttpServer((req: IncomingMessage, res) => {
    wakesUpRequests += 1;
    if (wakesUpRequests === 1) return;
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"rooms":[]}');
  });
  await Promise.all([listen(silent), listen(unavailable), listen(wakesUp)]);
  silentUrl = `http://127.0.0.1:${port(silent)}`;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  wakesUp.closeAllConnections();
  await Promise.all([close(silent), close(unavailable), close(wakesUp)]);
});
beforeEach(() => {
  silentConnections = 0;
  unavailableRequests = 0;
  wakesUpRequests = 0;
});

// Short attempts keep the suite quick; the CLI uses 5 s (lambda/cli/live-flags.ts).
const bounded = (endpoint: string): AwsConnection => ({ endpoint, requestTimeoutMs: 300, silentAttempts: 2 });

async function listRooms(connection: AwsConnection): Promise<unknown> {
  const client = ivschatClient('us-east-1', connection);
  try {
    return await client.send(new ListRoomsCommand({}));
  } catch (error) {
    return error;
  } finally {
    client.destroy();
  }
}

describe('Connection: silentAttempts', () => {
  it('gives up a call after its second unanswered attempt, naming the endpoint', async () => {
    const failure = await listRooms(bounded(silentUrl));
    expect(failure).toBeInstanceOf(NoResponseError);
    expect(silentConnections).toBe(2);
    expect(toAuditError('us-east-1', 'ListRooms', failure)).toEqual({
      region: 'us-east-1',
      operation: 'ListRooms',
      code: 'NoResponseError',
      message: `no response: 2 attempts timed out (up to 0.3 s each) (calling ${silentUrl})`,
    });
  });

  it('bounds GetCallerIdentity the same way', async () => {
    const failure = await callerAccountId('us-east-1', bounded(silentUrl)).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(NoResponseError);
    expect(silentConnections).toBe(2);
  });

  it('counts per call: each call on one client gets its own attempts', async () => {
    const client = ivschatClient('us-east-1', bounded(silentUrl));
    const first = await client.send(new ListRoomsCommand({})).catch((e: unknown) => e);
    const second = await client.send(new ListRoomsCommand({})).catch((e: unknown) => e);
    client.destroy();
    expect([first, second].map((e) => e instanceof NoResponseError)).toEqual([true, true]);
    expect(silentConnections).toBe(4);
  });

  it('still retries a call once after one unanswered attempt, and succeeds', async () => {
    const result = await listRooms(bounded(`http://127.0.0.1:${port(wakesUp)}`));
    expect(result).toMatchObject({ rooms: [] });
    expect(wakesUpRequests).toBe(2);
  });

  it('keeps every attempt for a server that answers with an error', async () => {
    const failure = await listRooms(bounded(`http://127.0.0.1:${port(unavailable)}`));
    expect(failure).toMatchObject({ name: 'ServiceUnavailableException' });
    expect(unavailableRequests).toBe(5);
  });

  it('without silentAttempts (the Lambda), spends every attempt on a silent endpoint as before', async () => {
    const failure = await listRooms({ endpoint: silentUrl, requestTimeoutMs: 300, maxAttempts: 3 });
    expect(failure).toMatchObject({ name: 'TimeoutError' });
    expect(silentConnections).toBe(3);
  });
});
