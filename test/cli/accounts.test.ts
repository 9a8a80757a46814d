import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Finding, Report } from '../../lambda/core/types.js';
import { ACCOUNT_ID, type LocalAws, type LocalAwsOptions, startLocalAws } from '../../local-aws/index.js';
import { cli } from './run.js';

// The CLI auditing the caller's account (000000000000) and two member accounts of the emulator.
const SELF = ACCOUNT_ID;
const MEMBER_A = '111111111111';
const MEMBER_B = '222222222222';
const REGION = 'us-west-2';

let aws: LocalAws | undefined;
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'accounts-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await aws?.close();
  aws = undefined;
});

/** One room over the message-length limit (a finding) in each of the three accounts. */
async function start(options: LocalAwsOptions = {}): Promise<LocalAws> {
  aws = await startLocalAws({
    seed: [SELF, MEMBER_A, MEMBER_B].map((accountId) => ({
      name: `room-${accountId}`,
      accountId,
      region: REGION,
      maximumMessageLength: 500,
    })),
    ...options,
  });
  return aws;
}

const auditAccounts = (server: LocalAws, ...extra: string[]) =>
  cli(
    'audit',
    '--endpoint',
    server.endpoint,
    '--region',
    REGION,
    '--format',
    'json',
    '--account',
    SELF,
    '--account',
    MEMBER_A,
    '--account',
    MEMBER_B,
    ...extra,
  );

const accountsOf = (findings: readonly Finding[]) => [...new Set(findings.map((f) => f.accountId))].sort();

describe('ivschat-audit audit --account (several accounts, against local AWS)', () => {
  it("prints one report with every account's findings and every account × region as a target", async () => {
    const server = await start();

    const { code, stdout, stderr } = await auditAccounts(server);

    expect(stderr).toBe('');
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as Report;
    expect(report.complete).toBe(true);
    expect(report.targets).toEqual([
      { accountId: SELF, region: REGION },
      { accountId: MEMBER_A, region: REGION },
      { accountId: MEMBER_B, region: REGION },
    ]);
    expect(report.roomsAudited).toBe(3);
    expect(accountsOf(report.findings)).toEqual([SELF, MEMBER_A, MEMBER_B]);
    expect(report.findings.every((f) => f.roomArn.includes(`:${f.accountId}:room/`))).toBe(true);
  });

  it('exits 3 when a member role cannot be assumed, still reporting the other accounts, and names the account, role and fix', async () => {
    const server = await start({ faults: { assumeRoleDeniedAccounts: [MEMBER_B] } });

    const { code, stdout } = await auditAccounts(server, '--role-name', 'audit/chat-reader');

    expect(code).toBe(3);
    const report = JSON.parse(stdout) as Report;
    expect(report.complete).toBe(false);
    expect(accountsOf(report.findings)).toEqual([SELF, MEMBER_A]);
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0]).toMatchObject({ region: REGION, operation: 'AssumeRole', code: 'AccessDenied' });
    expect(report.errors[0]?.message).toContain(`role audit/chat-reader in ${MEMBER_B} cannot be assumed`);
    expect(report.errors[0]?.message).toContain('deploy the IvsChatAuditorMember stack there');
  });

  it("names the role and the missing right when a member account's IVS Chat refuses the audit", async () => {
    const server = await start({ faults: { accessDeniedAccounts: [MEMBER_A] } });

    const { code, stdout } = await auditAccounts(server);

    expect(code).toBe(3);
    const report = JSON.parse(stdout) as Report;
    expect(accountsOf(report.findings)).toEqual([SELF, MEMBER_B]);
    expect(report.errors.map((e) => e.message)).toEqual([
      expect.stringContaining(
        `role ivschat-auditor-member in ${MEMBER_A} may not call ivschat:ListRooms in ${REGION}`,
      ),
    ]);
  });

  it('keeps every account in one --state file: a re-run shows all OPEN and resolves nothing across accounts', async () => {
    const server = await start();
    const state = join(dir, 'state.json');

    const first = await auditAccounts(server, '--state', state);
    // One account alone, with the same file: the other accounts' findings are not its to resolve.
    const alone = await cli(
      'audit',
      '--endpoint',
      server.endpoint,
      '--region',
      REGION,
      '--format',
      'json',
      '--state',
      state,
      '--account',
      MEMBER_A,
    );
    const again = await auditAccounts(server, '--state', state);

    const statuses = (stdout: string) =>
      [...new Set((JSON.parse(stdout) as Report).findings.map((f) => `${f.accountId} ${f.status}`))].sort();
    expect(first.code).toBe(1);
    expect(statuses(first.stdout)).toEqual([`${SELF} new`, `${MEMBER_A} new`, `${MEMBER_B} new`]);
    expect(alone.code).toBe(1);
    expect(statuses(alone.stdout)).toEqual([`${MEMBER_A} open`]);
    expect(again.code).toBe(1);
    expect(statuses(again.stdout)).toEqual([`${SELF} open`, `${MEMBER_A} open`, `${MEMBER_B} open`]);
    // Nor does an account look up another's rooms (they would count as deleted rooms there).
    expect((JSON.parse(alone.stdout) as Report).roomsSkipped).toBeUndefined();
    expect((JSON.parse(again.stdout) as Report).roomsSkipped).toBeUndefined();
    const firstCount = (JSON.parse(first.stdout) as Report).findings.length;
    expect((JSON.parse(again.stdout) as Report).findings).toHaveLength(firstCount);
  });

  it('publishes an alert for each account that was audited, and exits 3 for the one that was not', async () => {
    const server = await start({ faults: { assumeRoleDeniedAccounts: [MEMBER_A] } });
    const topic = server.createTopic(REGION, 'accounts');

    const { code, stderr } = await auditAccounts(server, '--publish', topic);

    expect(code).toBe(3);
    const published = server.published(REGION).map((m) => `${m.subject ?? ''} ${m.message}`);
    expect(published.filter((m) => m.includes(SELF)).length).toBeGreaterThan(0);
    expect(published.filter((m) => m.includes(MEMBER_B)).length).toBeGreaterThan(0);
    expect(published.filter((m) => m.includes(MEMBER_A))).toEqual([]);
    expect(stderr).toContain(`published ${published.length} message(s) to ${topic}`);
  });
});

describe('ivschat-audit audit --account (usage)', () => {
  it('refuses account ids that are not 12 digits, naming each, with exit 2', async () => {
    const { code, stderr } = await cli('audit', '--region', REGION, '--account', '12345', '--account', 'abc');
    expect(code).toBe(2);
    expect(stderr).toBe('error: --account: "12345", "abc" are not 12-digit account ids\n');
  });

  it('refuses --account with --input (exit 2)', async () => {
    const { code, stderr } = await cli('audit', '--input', 'rooms.json', '--account', MEMBER_A);
    expect(code).toBe(2);
    expect(stderr).toContain('--account: audits live accounts and cannot be combined with --input');
  });

  it('refuses a --role-name that is not an IAM role name (exit 2)', async () => {
    const { code, stderr } = await cli(
      'audit',
      '--region',
      REGION,
      '--account',
      MEMBER_A,
      '--role-name',
      'no spaces',
    );
    expect(code).toBe(2);
    expect(stderr).toContain('--role-name: "no spaces" is not an IAM role name');
  });

  it('documents --account and --role-name in --help, with an example', async () => {
    const { stdout } = await cli('audit', '--help');
    expect(stdout).toContain('--account <id>');
    expect(stdout).toContain('--role-name <name>');
    expect(stdout).toMatch(/\$ ivschat-audit audit .*--account 111111111111 --account 222222222222/);
  });
});
