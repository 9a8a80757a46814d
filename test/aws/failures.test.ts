import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket, type Server as TcpServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callerAccountId, ivschatClient } from '../../lambda/aws/clients.js';
import { inventoryRegion, toAuditError } from '../../lambda/aws/inventory.js';
import { RunStoppedError } from '../../lambda/cli/run-bound.js';
import { type LocalAws, startLocalAws } from '../../local-aws/index.js';
import { close, listen, port } from '../loopback.js';

// Endpoints that are not AWS: one answers 404 with an empty body, one accepts and never answers.
let notFound: Server;
let silent: TcpServer;
const sockets = new Set<Socket>();
let notFoundUrl: string;
let silentUrl: string;
let aws: LocalAws;

beforeAll(async () => {
  notFound = createHttpServer((_req, res) => res.writeHead(404).end());
  silent = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await Promise.all([listen(notFound), listen(silent)]);
  notFoundUrl = `http://127.0.0.1:${port(notFound)}`;
  silentUrl = `http://127.0.0.1:${port(silent)}`;
  aws = await startLocalAws({ quotas: { enabled: false } });
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all([close(notFound), close(silent), aws.close()]);
});

const stop = (code: 'Timeout' | 'Interrupted') =>
  new RunStoppedError(
    code,
    code === 'Timeout' ? 'the run did not finish within --timeout 1 s' : 'interrupted',
  );

describe('toAuditError', () => {
  it('names the endpoint and HTTP status of a 404 with an empty body, instead of "Unknown UnknownError"', async () => {
    const client = ivschatClient('us-east-1', { endpoint: notFoundUrl });
    const result = await inventoryRegion({ region: 'us-east-1', accountId: '', client });
    client.destroy();
    expect(result.complete).toBe(false);
    expect(result.errors).toEqual([
      {
        region: 'us-east-1',
        operation: 'ListRooms',
        code: 'Http404',
        message: `HTTP 404 from ${notFoundUrl}, with no AWS error in the response`,
      },
    ]);
  });

  it('adds the endpoint and status to an AWS error that has a message of its own', async () => {
    aws.setFaults({ accessDeniedRegions: ['eu-west-1'] });
    const client = ivschatClient('eu-west-1', { endpoint: aws.endpoint });
    const result = await inventoryRegion({ region: 'eu-west-1', accountId: '', client });
    client.destroy();
    aws.setFaults({});
    expect(result.errors[0]?.code).toBe('AccessDeniedException');
    expect(result.errors[0]?.message).toMatch(new RegExp(`.+ \\(HTTP 403 from ${aws.endpoint}\\)$`));
  });

  it('keeps an error without endpoint or status as it was', () => {
    expect(
      toAuditError(
        'us-east-1',
        'GetRoom',
        Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      ),
    ).toEqual({
      region: 'us-east-1',
      operation: 'GetRoom',
      code: 'ECONNRESET',
      message: 'socket hang up',
    });
  });
});

describe('a run stopped through its signal', () => {
  it('abandons a call to an endpoint that never answers, reporting why and which endpoint', async () => {
    const controller = new AbortController();
    const client = ivschatClient('us-east-1', { endpoint: silentUrl });
    // Aborted once the request is on the wire: the SDK alone would wait 5 attempts × 10 s.
    silent.once('connection', () => controller.abort(stop('Timeout')));
    const result = await inventoryRegion({
      region: 'us-east-1',
      accountId: '',
      client,
      signal: controller.signal,
    });
    client.destroy();
    expect(result.complete).toBe(false);
    expect(result.errors).toEqual([
      {
        region: 'us-east-1',
        operation: 'ListRooms',
        code: 'Timeout',
        message: `the run did not finish within --timeout 1 s while calling ${silentUrl}`,
      },
    ]);
  });

  it('abandons GetCallerIdentity too', async () => {
    const controller = new AbortController();
    silent.once('connection', () => controller.abort(stop('Timeout')));
    const failure = await callerAccountId('us-east-1', { endpoint: silentUrl }, controller.signal).catch(
      (e: unknown) => e,
    );
    expect(toAuditError('us-east-1', 'GetCallerIdentity', failure, controller.signal)).toMatchObject({
      code: 'Timeout',
      message: expect.stringContaining(silentUrl),
    });
  });

  it('counts the rooms it did not fetch as not reached, with one error saying why', async () => {
    aws.clearRooms();
    aws.seedRooms(
      'us-west-2',
      Array.from({ length: 6 }, (_, i) => ({ name: `room-${i}` })),
    );
    const controller = new AbortController();
    const client = ivschatClient('us-west-2', { endpoint: aws.endpoint });
    const result = await inventoryRegion({
      region: 'us-west-2',
      accountId: '',
      client,
      concurrency: 1,
      signal: controller.signal,
      onRoom: (_doc, fetched) => {
        if (fetched && !controller.signal.aborted) controller.abort(stop('Interrupted'));
      },
    });
    client.destroy();
    expect(result.audited).toHaveLength(1);
    expect(result.notReached).toHaveLength(5);
    expect(result.complete).toBe(false);
    expect(result.errors).toEqual([
      {
        region: 'us-west-2',
        operation: 'GetRoom',
        code: 'Interrupted',
        message: '5 of 6 rooms not fetched: interrupted',
      },
    ]);
  });

  it('reports progress after each page and each room', async () => {
    aws.clearRooms();
    aws.seedRooms('us-west-2', [{ name: 'a' }, { name: 'b' }]);
    const client = ivschatClient('us-west-2', { endpoint: aws.endpoint });
    const seen: string[] = [];
    await inventoryRegion({
      region: 'us-west-2',
      accountId: '',
      client,
      concurrency: 1,
      onProgress: (p) =>
        seen.push(`${p.listing ? 'listing' : 'fetching'} ${p.listed} ${p.audited} ${p.toFetch}`),
    });
    client.destroy();
    expect(seen).toEqual(['listing 2 0 2', 'fetching 2 0 2', 'fetching 2 1 1', 'fetching 2 2 0']);
  });
});
