import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../lambda/cli/main.js';
import type { Report } from '../../lambda/core/types.js';

// An endpoint that accepts connections and never answers, with no --timeout: the CLI's own
// connection settings must end the run well before a person gives up on it.
const BOUND_MS = 30_000;
let silent: Server;
const sockets = new Set<Socket>();
let endpoint: string;

beforeAll(async () => {
  silent = createServer((socket) => {
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
    'exits 3 within 30 s, each call reported as unanswered at that endpoint',
    async () => {
      let stdout = '';
      let stderr = '';
      const started = Date.now();
      const code = await runCli(
        ['audit', '--endpoint', endpoint, '--region', 'us-east-1', '--format', 'json'],
        {
          stdout: (t) => {
            stdout += t;
          },
          stderr: (t) => {
            stderr += t;
          },
          env: { NO_COLOR: '1' },
        },
      );
      const elapsed = Date.now() - started;
      expect({ code, stderr }).toEqual({ code: 3, stderr: '' });
      expect(elapsed).toBeLessThan(BOUND_MS);
      const report = JSON.parse(stdout) as Report;
      expect(report.complete).toBe(false);
      expect(report.errors.map((e) => `${e.operation}: ${e.code} ${e.message}`)).toEqual([
        `GetCallerIdentity: NoResponseError no response: 2 attempts timed out (up to 5 s each) (calling ${endpoint})`,
        `ListRooms: NoResponseError no response: 2 attempts timed out (up to 5 s each) (calling ${endpoint})`,
      ]);
    },
    2 * BOUND_MS,
  );
});
