import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket, type Server as TcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Report } from '../../lambda/core/types.js';
import { type LocalAws, startLocalAws } from '../../local-aws/index.js';
import { close, listen, port } from '../loopback.js';
import { cliWith } from './run.js';
import { startBin } from './spawn.js';

// The live path's hardening: a bounded run, errors that name the endpoint, progress on a terminal,
// Ctrl-C, a failed publish, and the small usability fixes.
let aws: LocalAws;
let dir: string;
let notFound: Server;
let silent: TcpServer;
const sockets = new Set<Socket>();
beforeAll(async () => {
  aws = await startLocalAws({ quotas: { enabled: true } });
  dir = mkdtempSync(join(tmpdir(), 'live-hardening-'));
  notFound = createHttpServer((_req, res) => res.writeHead(404).end());
  silent = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await Promise.all([listen(notFound), listen(silent)]);
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all([close(notFound), close(silent), aws.close()]);
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  aws.clearRooms();
  aws.resetStats();
  aws.setFaults({});
  aws.setLatency(0);
});

const seed = (count: number) =>
  aws.seedRooms(
    'us-west-2',
    Array.from({ length: count }, (_, i) => ({ name: `room-${i}`, maximumMessageLength: 500 })),
  );
const live = (...extra: string[]) => [
  'audit',
  '--endpoint',
  aws.endpoint,
  '--region',
  'us-west-2',
  '--format',
  'json',
  ...extra,
];

describe('a live audit is bounded, and its errors name the endpoint', () => {
  it('exits 3 within --timeout when the endpoint accepts connections and never answers, naming it', async () => {
    const endpoint = `http://127.0.0.1:${port(silent)}`;
    const { code, stdout, stderr } = await cliWith([
      'audit',
      '--endpoint',
      endpoint,
      '--region',
      'us-east-1',
      '--timeout',
      '1',
    ]);
    expect(code).toBe(3);
    expect(stdout).toContain(
      `ListRooms: Timeout the run did not finish within --timeout 1 s while calling ${endpoint}`,
    );
    expect(stderr).toContain('error: the run did not finish within --timeout 1 s; the report is partial');
  });

  it('exits 3 on a 404 with an empty body, naming the endpoint and the status', async () => {
    const endpoint = `http://127.0.0.1:${port(notFound)}`;
    const { code, stdout } = await cliWith(['audit', '--endpoint', endpoint, '--region', 'us-east-1']);
    expect(code).toBe(3);
    expect(stdout).toContain(
      `ListRooms: Http404 HTTP 404 from ${endpoint}, with no AWS error in the response`,
    );
    expect(stdout).not.toContain('UnknownError');
  });

  it.each([['0'], ['-5'], ['soon']])('exits 2 for --timeout %s', async (value) => {
    const { code, stderr } = await cliWith(['audit', '--region', 'us-east-1', '--timeout', value]);
    expect(code).toBe(2);
    expect(stderr).toContain('--timeout');
  });
});

describe('progress on stderr', () => {
  it('shows rooms listed and audited per region, and an ETA, when stderr is a terminal', async () => {
    seed(3);
    const { stderr, stdout } = await cliWith(live(), { stderrIsTTY: true });
    expect(stderr).toMatch(/us-west-2 listing, 3 rooms so far|us-west-2 \d\/3 audited · ETA \d+ s/);
    // The line is cleared at the end, so the report starts on a clean line.
    expect(stderr.endsWith('\r\x1b[K')).toBe(true);
    expect((JSON.parse(stdout) as Report).roomsAudited).toBe(3);
  });

  it('writes nothing to stderr when it is not a terminal', async () => {
    seed(3);
    const { stderr } = await cliWith(live());
    expect(stderr).toBe('');
  });
});

describe('Ctrl-C', () => {
  it('stops the run, keeps what was fetched in the room cache, and prints the partial report (exit 3)', async () => {
    seed(12);
    const state = join(dir, 'interrupted.json');
    const interrupt = new AbortController();
    // Interrupted once the progress line shows a room audited (with a terminal, progress is shown).
    const { code, stdout, stderr } = await cliWith(live('--state', state), {
      stderrIsTTY: true,
      interrupt: interrupt.signal,
      stderr: (t) => {
        if (/[1-9]\d*\/12 audited/.test(t)) interrupt.abort();
      },
    });
    expect(code).toBe(3);
    const report = JSON.parse(stdout) as Report;
    expect(report.complete).toBe(false);
    expect(report.errors).toContainEqual(expect.objectContaining({ code: 'Interrupted' }));
    expect(stderr).toContain('error: interrupted (Ctrl-C): the run was stopped; the report is partial');
    const fetched = aws.stats()['us-west-2']?.GetRoom?.calls ?? 0;
    expect(report.roomsAudited).toBeGreaterThan(0);
    expect(report.roomsAudited).toBeLessThan(12);

    // The next run fetches only the rooms the interrupted one did not.
    aws.resetStats();
    const rerun = await cliWith(live('--state', state));
    expect(rerun.code).toBe(1);
    expect((JSON.parse(rerun.stdout) as Report).roomsAudited).toBe(12);
    expect(aws.stats()['us-west-2']?.GetRoom?.calls).toBe(12 - report.roomsAudited);
    expect(fetched).toBeGreaterThanOrEqual(report.roomsAudited);
  });

  it('records no finding state and publishes nothing when interrupted', async () => {
    seed(2);
    const topic = aws.createTopic('us-west-2', 'interrupted');
    const state = join(dir, 'not-recorded.json');
    await cliWith(live('--state', state));
    const before = readFileSync(state, 'utf8');
    const interrupt = new AbortController();
    interrupt.abort();
    const { code, stderr } = await cliWith(live('--state', state, '--publish', topic), {
      interrupt: interrupt.signal,
    });
    expect(code).toBe(3);
    expect(stderr).toContain('nothing was published');
    expect(aws.published('us-west-2')).toHaveLength(0);
    expect(readFileSync(state, 'utf8')).toBe(before);
  });

  it('the real SIGINT: the process prints the partial report and exits 3', async () => {
    seed(40);
    aws.setLatency(20);
    const { child, output, closed } = startBin(live(), { env: { ...process.env, NO_COLOR: '1' } });
    const exited = closed.then(({ code }) => code);
    // Once the audit has fetched a room (its API calls show in the emulator), press Ctrl-C.
    while (!(aws.stats()['us-west-2']?.GetRoom?.calls ?? 0)) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGINT');
    expect(await exited).toBe(3);
    expect(output.stderr).toContain('interrupted (Ctrl-C)');
    const report = JSON.parse(output.stdout) as Report;
    expect(report.complete).toBe(false);
    expect(report.roomsAudited).toBeLessThan(40);
  }, 30_000);
});

describe('--publish that fails', () => {
  it('prints the report first, then the error, and exits 3', async () => {
    seed(2);
    const missingTopic = 'arn:aws:sns:us-west-2:000000000000:no-such-topic';
    const { code, stdout, stderr } = await cliWith(live('--publish', missingTopic));
    expect(code).toBe(3);
    expect((JSON.parse(stdout) as Report).roomsAudited).toBe(2);
    expect(stderr).toMatch(
      /^error: SNS publish to arn:aws:sns:us-west-2:000000000000:no-such-topic failed: /,
    );
  });
});

describe('--publish that is not a topic ARN', () => {
  it('exits 2 before any API call of a live audit', async () => {
    seed(2);
    const { code, stdout, stderr } = await cliWith(live('--publish', 'my-topic'));
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe('error: --publish: not an SNS topic ARN: my-topic\n');
    expect(aws.stats()).toEqual({});
  });
});

describe('--output that cannot be written', () => {
  it('exits 2 before any call when -o links into a folder that does not exist', async () => {
    seed(2);
    const output = join(dir, 'report-link.json');
    const linked = join(dir, 'no-such-folder', 'report.json');
    symlinkSync(linked, output);
    const { code, stderr } = await cliWith(live('--output', output));
    expect(code).toBe(2);
    expect(stderr).toBe(
      `error: --output: cannot write ${output}: it links to ${linked}, whose folder does not exist\n`,
    );
    expect(aws.stats()).toEqual({});
  });

  it('exits 3 naming --output when the write fails after the audit (disk full), publishing and recording nothing', async () => {
    seed(2);
    const topic = aws.createTopic('us-west-2', 'unwritten-report');
    const state = join(dir, 'unwritten-report-state.json');
    // /dev/full passes the up-front check and answers every write with ENOSPC, as a full disk does.
    const output = '/dev/full';
    const failed = await cliWith(live('--state', state, '--publish', topic, '--output', output));
    expect(failed.code).toBe(3);
    expect(failed.stderr).toBe(`error: --output: cannot write the report to ${output}: ENOSPC\n`);
    expect(aws.published('us-west-2')).toHaveLength(0);

    const rerun = await cliWith(live('--state', state));
    const statuses = (JSON.parse(rerun.stdout) as Report).findings.map((f) => f.status);
    expect(statuses.length).toBeGreaterThan(0);
    expect(new Set(statuses)).toEqual(new Set(['new']));
  });
});

describe('usability', () => {
  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8'));
    const { code, stdout } = await cliWith(['--version']);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(version);
  });

  it('accepts --fail-on in any case', async () => {
    const input = join(import.meta.dirname, '../../examples/rooms.json');
    expect((await cliWith(['audit', '--input', input, '--fail-on', 'HIGH'])).code).toBe(1);
    expect((await cliWith(['audit', '--input', input, '--fail-on', 'Critical'])).code).toBe(0);
  });

  it('uses ./policies of the working directory by default, and --help says so', async () => {
    const cwd = join(dir, 'team-repo');
    mkdirSync(join(cwd, 'policies'), { recursive: true });
    const bundled = join(import.meta.dirname, '../../policies');
    copyFileSync(join(bundled, 'message-length-max.json'), join(cwd, 'policies/message-length-max.json'));
    copyFileSync(join(bundled, 'policy.schema.json'), join(cwd, 'policies/policy.schema.json'));

    const check = await cliWith(['policies', 'check'], { cwd });
    expect(check.stdout).toBe('1 policy OK: message-length-max\n');
    const help = await cliWith(['audit', '--help'], { cwd });
    expect(help.stdout.replace(/\s+/g, ' ')).toContain(
      `(default: ./policies of the working directory (${join(cwd, 'policies')}))`,
    );
  });

  it('falls back to the bundled policies where there is no ./policies, and --help says so', async () => {
    const cwd = join(dir, 'elsewhere');
    mkdirSync(cwd, { recursive: true });
    const check = await cliWith(['policies', 'check'], { cwd });
    expect(check.stdout).toMatch(/^7 policies OK: /);
    const help = await cliWith(['policies', 'check', '--help'], { cwd });
    expect(help.stdout.replace(/\s+/g, ' ')).toContain('the bundled policies');
  });
});
