import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  DEFAULT_POLICIES_DIR,
  loadPolicyDir,
  MAX_POLICY_FILE_BYTES,
  POLICY_SCHEMA_FILE,
} from '../../lambda/policy/load-dir.js';
import { createContainer } from '../../lambda/runtime/container.js';
import { cli } from '../cli/run.js';

// What load-dir opens and reads, seen through node:fs (the real calls still run).
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  return {
    ...real,
    openSync: vi.fn(real.openSync),
    readSync: vi.fn(real.readSync),
    fstatSync: vi.fn(real.fstatSync),
  };
});

const NOW = '2026-11-26T12:00:00.000Z';
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(join(tmpdir(), 'policies-reads-'));
  fs.cpSync(DEFAULT_POLICIES_DIR, dir, { recursive: true });
  vi.mocked(fs.openSync).mockClear();
  vi.mocked(fs.readSync).mockClear();
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const opened = () => vi.mocked(fs.openSync).mock.calls.map(([path]) => String(path));

describe('loadPolicyDir: what a cold start reads', () => {
  it('does not read the folder’s policy.schema.json when the caller shows no warnings (the Lambda)', () => {
    fs.writeFileSync(join(dir, POLICY_SCHEMA_FILE), JSON.stringify({ type: 'object' }));
    const { warnings } = loadPolicyDir(dir, { now: NOW, schemaWarning: false });
    expect(opened().length).toBeGreaterThan(0);
    expect(opened()).not.toContain(join(dir, POLICY_SCHEMA_FILE));
    expect(warnings).toEqual([]);
  });

  it('the function loads its policies that way', () => {
    createContainer({
      env: {
        AUDIT_REGIONS: 'us-east-1',
        POLICIES_DIR: dir,
        ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:alerts',
      },
    }).invocation();
    expect(opened()).toContain(join(dir, 'message-length-max.json'));
    expect(opened()).not.toContain(join(dir, POLICY_SCHEMA_FILE));
  });

  it('still reads and compares the copy by default', () => {
    loadPolicyDir(dir, { now: NOW });
    expect(opened()).toContain(join(dir, POLICY_SCHEMA_FILE));
  });

  it('reads each file into a buffer of its own size (plus one byte), not of the 1 MiB limit', () => {
    loadPolicyDir(dir, { now: NOW });
    const buffers = vi.mocked(fs.readSync).mock.calls.map(([, buffer]) => (buffer as Buffer).length);
    expect(buffers.length).toBeGreaterThan(0);
    expect(Math.max(...buffers)).toBeLessThan(MAX_POLICY_FILE_BYTES);
  });

  it('reads on past the size fstat gave when the file grew since, up to the limit', () => {
    const real = vi.mocked(fs.fstatSync).getMockImplementation() as typeof fs.fstatSync;
    // Every file looks 10 bytes long, as if each grew after fstat: they still load whole.
    vi.mocked(fs.fstatSync).mockImplementation(((fd: number) =>
      Object.assign(real(fd), { size: 10 })) as typeof fs.fstatSync);
    try {
      expect(loadPolicyDir(dir, { now: NOW }).policies.length).toBeGreaterThan(0);
      fs.writeFileSync(join(dir, 'big.json'), `{"id":"${'x'.repeat(MAX_POLICY_FILE_BYTES)}"}`);
      expect(() => loadPolicyDir(dir, { now: NOW })).toThrow(/big\.json.*more than a policy file may be/);
    } finally {
      vi.mocked(fs.fstatSync).mockImplementation(real);
    }
  });

  it('still refuses a file over the limit', () => {
    fs.writeFileSync(join(dir, 'big.json'), `{"id":"${'x'.repeat(MAX_POLICY_FILE_BYTES)}"}`);
    expect(() => loadPolicyDir(dir, { now: NOW })).toThrow(/big\.json.*more than a policy file may be/);
  });
});

describe('policies check: the warning for a folder’s differing schema', () => {
  it('still warns on stderr for a folder whose copy differs', async () => {
    fs.writeFileSync(join(dir, POLICY_SCHEMA_FILE), JSON.stringify({ type: 'object' }));
    const run = await cli('policies', 'check', dir);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(
      /policy\.schema\.json: differs from the policy schema this tool ships and is ignored/,
    );
  });
});
