import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../lambda/core/types.js';
import { compliantRoom } from '../fixtures.js';
import { cli } from './run.js';

// An endpoint that accepts connections and never answers, with no --timeout: the CLI's own
// connection settings must end the run well before a person gives up on it.
const BOUND_MS = 30_000;
let silent: Server;
const sockets = new Set<Socket>();
let accepted = 0;
let endpoint: string;

beforeAll(async () => {
  silent = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
});

describe('audit against a silent endpoint, without --timeout', () => {
  it(
    'exits 3 after six unanswered attempts (two for each of its three first calls), each call reported as unanswered at that endpoint',
    async () => {
      const { code, stdout, stderr } = await cli(
        'audit',
        '--endpoint',
        endpoint,
        '--region',
        'us-east-1',
        '--format',
        'json',
      );
      // Bounded by construction (two 5 s attempts per call, not the SDK's five of 10 s): the
      // messages prove it, and the test's own timeout catches a regression without a timed assertion.
      expect({ code, stderr }).toEqual({ code: 3, stderr: '' });
      const report = JSON.parse(stdout) as Report;
      expect(report.complete).toBe(false);
      expect(report.errors.map((e) => `${e.operation}: ${e.code} ${e.message}`)).toEqual([
        `GetCallerIdentity: NoResponseError no response: 2 attempts timed out (up to 5 s each) (calling ${endpoint})`,
        `ListRooms: NoResponseError no response: 2 attempts timed out (up to 5 s each) (calling ${endpoint})`,
        `ListLoggingConfigurations: NoResponseError no response: 2 attempts timed out (up to 5 s each) (calling ${endpoint})`,
      ]);
      // What the README's "about 30 s" is made of: the three calls a run starts with, each given
      // up after two unanswered 5 s attempts, one after another: six connections, no more.
      expect(accepted).toBe(6);
    },
    2 * BOUND_MS,
  );

  it(
    'a --publish to a silent endpoint prints the report, then exits 3 naming the publish',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'silent-publish-'));
      try {
        const input = join(dir, 'rooms.json');
        writeFileSync(input, JSON.stringify([compliantRoom({ maximumMessageLength: 500 }, 'Long01')]));
        const { code, stdout, stderr } = await cli(
          'audit',
          '--input',
          input,
          '--publish',
          'arn:aws:sns:us-east-1:123456789012:alerts',
          '--endpoint',
          endpoint,
        );
        expect(code).toBe(3);
        expect(stdout).toContain('maximumMessageLength is 500');
        expect(stderr).toContain('SNS publish to arn:aws:sns:us-east-1:123456789012:alerts failed');
        expect(stderr).toContain('2 attempts timed out');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    2 * BOUND_MS,
  );
});
