import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetRoomCommand,
  IvschatClient,
  UntagResourceCommand,
  UpdateRoomCommand,
} from '@aws-sdk/client-ivschat';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { toRoomDocument } from '../../lambda/aws/room-document.js';
import type { Report, RoomDocument } from '../../lambda/core/types.js';
import { DEFAULT_POLICIES_DIR } from '../../lambda/policy/load-dir.js';
import type { TrailEntry } from '../../lambda/remediate/trail.js';
import { type LocalAws, startLocalAws } from '../../local-aws/index.js';
import { cli, cliWith } from './run.js';

// `ivschat-audit remediate` against the emulator at the real quotas: what it writes, and what it must not.
const REGION = 'us-west-2';
let aws: LocalAws;
let dir: string;
let ivschat: IvschatClient;
beforeAll(async () => {
  aws = await startLocalAws({ quotas: { enabled: true } });
  ivschat = new IvschatClient({
    endpoint: aws.endpoint,
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});
afterAll(async () => {
  ivschat.destroy();
  await aws.close();
});
beforeEach(() => {
  aws.clearRooms();
  aws.resetStats();
  aws.setFaults({});
  dir = mkdtempSync(join(tmpdir(), 'remediate-'));
  return () => rmSync(dir, { recursive: true, force: true });
});

/** `long` rooms whose messages may be 500 long (message-length-max fixes them), and `fine` compliant ones. */
const seed = (long: number, fine = 0) =>
  aws.seedRooms(REGION, [
    ...Array.from({ length: long }, (_, i) => ({ name: `long-${i}`, maximumMessageLength: 500 })),
    ...Array.from({ length: fine }, (_, i) => ({ name: `fine-${i}`, maximumMessageLength: 200 })),
  ]);

const trailFile = () => join(dir, 'trail.jsonl');
const remediate = (...extra: string[]) =>
  cli(
    'remediate',
    '--endpoint',
    aws.endpoint,
    '--region',
    REGION,
    '--policies',
    DEFAULT_POLICIES_DIR,
    '--trail',
    trailFile(),
    '--max-percent',
    '100',
    ...extra,
  );
const trail = (): TrailEntry[] =>
  existsSync(trailFile())
    ? readFileSync(trailFile(), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as TrailEntry)
    : [];
const updateRoomCalls = () => aws.stats()[REGION]?.UpdateRoom?.calls ?? 0;
const getRoom = async (arn: string) =>
  toRoomDocument(await ivschat.send(new GetRoomCommand({ identifier: arn })));
const lengths = () =>
  Object.fromEntries(aws.rooms(REGION).map((r) => [r.name as string, r.maximumMessageLength]));

describe('ivschat-audit remediate (plan)', () => {
  it('prints each change (account, region, room, field: from → to, policy) and makes no UpdateRoom call', async () => {
    const [room] = seed(2, 1);
    const { code, stdout, stderr } = await remediate();
    expect(code).toBe(0);
    expect(stdout).toContain('PLAN 2 changes to 2 rooms of 3 audited');
    expect(stdout).toMatch(/chg-[0-9a-f]{12} {2}000000000000 us-west-2 {2}long-0 {2}\[message-length-max\]/);
    expect(stdout).toContain(room?.arn);
    expect(stdout).toContain('maximumMessageLength: 500 → 200');
    expect(stderr).toContain('plan only: nothing was changed');
    expect(updateRoomCalls()).toBe(0);
    expect(lengths()).toEqual({ 'long-0': 500, 'long-1': 500, 'fine-0': 200 });
    expect(trail()).toEqual([]);
  });

  it('narrows the plan to --policy', async () => {
    aws.seedRooms(REGION, [{ name: 'both', maximumMessageLength: 500, maximumMessageRatePerSecond: 50 }]);
    const { code, stdout } = await remediate('--policy', 'message-rate-max');
    expect(code).toBe(0);
    expect(stdout).toContain('PLAN 1 change to 1 room of 1 audited');
    expect(stdout).toContain('maximumMessageRatePerSecond: 50 → 10');
    expect(stdout).not.toContain('maximumMessageLength');
  });

  it('exits 0 with nothing to do when every room complies', async () => {
    seed(0, 2);
    const { code, stdout, stderr } = await remediate('--apply');
    expect(code).toBe(0);
    expect(stdout).toContain('PLAN 0 changes to 0 rooms of 2 audited');
    expect(stderr).toContain('nothing to do');
    expect(updateRoomCalls()).toBe(0);
  });
});

describe('ivschat-audit remediate --apply', () => {
  it('fixes the planned rooms, verifies them, records each change, and a re-audit is clean for that policy', async () => {
    seed(3, 1);
    const { code, stdout } = await remediate('--apply');
    expect(code).toBe(0);
    expect(stdout.match(/^APPLIED chg-/gm)).toHaveLength(3);
    expect(lengths()).toEqual({ 'long-0': 200, 'long-1': 200, 'long-2': 200, 'fine-0': 200 });

    const entries = trail();
    expect(entries).toHaveLength(3);
    for (const entry of entries) {
      expect(entry).toMatchObject({
        kind: 'fix',
        outcome: 'applied',
        policyId: 'message-length-max',
        accountId: '000000000000',
        region: REGION,
        before: { maximumMessageLength: 500 },
        after: { maximumMessageLength: 200 },
        actor: 'arn:aws:iam::000000000000:user/local-aws',
      });
      expect(Date.parse(entry.time)).not.toBeNaN();
      expect(entry.updateTimeAfter).not.toBe(entry.updateTimeBefore);
    }

    const audit = await cli('audit', '--endpoint', aws.endpoint, '--region', REGION, '--format', 'json');
    const report = JSON.parse(audit.stdout) as Report;
    expect(report.roomsAudited).toBe(4);
    expect(report.findings.filter((f) => f.policyId === 'message-length-max')).toEqual([]);
  });

  it('keeps UpdateRoom within its budget of 1 call per second by default', async () => {
    seed(4);
    const { code } = await remediate('--apply');
    expect(code).toBe(0);
    const update = aws.stats()[REGION]?.UpdateRoom;
    expect(update?.calls).toBe(4);
    expect(update?.maxObservedTps).toBe(1);
    expect(update?.throttled).toBe(0);
  });

  it('changes nothing when a guard of 2 meets 3 planned changes (exit 1)', async () => {
    seed(3);
    const { code, stderr } = await remediate('--apply', '--max-changes', '2');
    expect(code).toBe(1);
    expect(stderr).toContain('guard: 3 changes planned, more than --max-changes 2');
    expect(stderr).toContain('nothing was changed');
    expect(updateRoomCalls()).toBe(0);
    expect(lengths()).toEqual({ 'long-0': 500, 'long-1': 500, 'long-2': 500 });
    expect(trail()).toEqual([]);
  });

  it('trips --max-percent (default 10) on the share of audited rooms it would change', async () => {
    seed(2, 8);
    const { code, stderr } = await cli(
      'remediate',
      '--endpoint',
      aws.endpoint,
      '--region',
      REGION,
      '--trail',
      trailFile(),
      '--apply',
    );
    expect(code).toBe(1);
    expect(stderr).toContain('guard: 2 of 10 audited rooms would change (20%), more than --max-percent 10');
    expect(updateRoomCalls()).toBe(0);
  });

  it('never writes an exempt room', async () => {
    const [exempt] = seed(3);
    const policies = join(dir, 'policies');
    cpSync(DEFAULT_POLICIES_DIR, policies, { recursive: true });
    const file = join(policies, 'message-length-max.json');
    const policy = JSON.parse(readFileSync(file, 'utf8'));
    const expires = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    policy.exemptions = [{ rooms: [exempt?.arn], reason: 'partner needs long messages', expires }];
    writeFileSync(file, JSON.stringify(policy));

    const { code, stdout } = await remediate('--apply', '--policies', policies);
    expect(code).toBe(0);
    expect(stdout).toContain('NOT PLANNED (1)');
    expect(stdout).toContain('long-0  [message-length-max]  exempt: partner needs long messages');
    expect(updateRoomCalls()).toBe(2);
    expect(lengths()).toEqual({ 'long-0': 500, 'long-1': 200, 'long-2': 200 });
    expect(trail().map((e) => e.roomArn)).not.toContain(exempt?.arn);
  });

  it('skips, untouched, a room whose updateTime moved between plan and apply (exit 1)', async () => {
    const [moved] = seed(3);
    const plan = join(dir, 'plan.json');
    expect((await remediate('--plan', plan)).code).toBe(0);
    // The application renames the room after the plan was reviewed: its length is still 500.
    await ivschat.send(new UpdateRoomCommand({ identifier: moved?.arn, name: 'renamed-by-app' }));
    const changedAt = (await getRoom(moved?.arn ?? '')).updateTime;

    const { code, stdout, stderr } = await remediate('--apply', '--plan', plan);
    expect(code).toBe(1);
    expect(stderr).toContain(`applying the plan saved in ${plan}`);
    expect(stdout).toMatch(
      /^SKIPPED chg-[0-9a-f]{12} {2}us-west-2 {2}long-0 .*the room changed since the plan/m,
    );
    expect(stdout.match(/^APPLIED/gm)).toHaveLength(2);
    expect(stderr).toContain('2 applied, 1 skipped, 0 failed; trail: ');
    const after = await getRoom(moved?.arn ?? '');
    expect(after).toMatchObject({ name: 'renamed-by-app', maximumMessageLength: 500, updateTime: changedAt });
    expect(updateRoomCalls()).toBe(3); // the test's own rename, then the two other rooms
    expect(trail().find((e) => e.roomArn === moved?.arn)).toMatchObject({ outcome: 'skipped' });
  });

  it('applying the same plan twice: the second run skips each change as already applied, writes nothing, exits 0', async () => {
    aws.seedRooms(REGION, [
      { name: 'both', maximumMessageLength: 500, maximumMessageRatePerSecond: 50 },
      { name: 'long', maximumMessageLength: 500 },
    ]);
    const plan = join(dir, 'plan.json');
    expect((await remediate('--plan', plan)).code).toBe(0);
    const first = await remediate('--apply', '--plan', plan);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain(`3 applied, 0 skipped, 0 failed; trail: ${trailFile()}`);
    const applied = trail();
    aws.resetStats();

    const again = await remediate('--apply', '--plan', plan);
    expect(again.code).toBe(0);
    expect(again.stdout).not.toContain('changed since the plan');
    const lines = again.stdout.split('\n').filter((line) => line.startsWith('SKIPPED'));
    expect(lines).toEqual(
      applied.map(
        (e) =>
          `SKIPPED ${e.changeId}  ${REGION}  ${e.roomName}  [${e.policyId}]: already applied (${e.changeId}, ${e.time})`,
      ),
    );
    expect(again.stderr).toContain('0 applied, 3 skipped (3 already applied), 0 failed');
    expect(updateRoomCalls()).toBe(0);
    expect(trail()).toEqual(applied);
  });

  it('applying a plan again after an undo says so and leaves the room as the undo left it (exit 1)', async () => {
    const [room] = seed(1);
    const plan = join(dir, 'plan.json');
    await remediate('--plan', plan);
    await remediate('--apply', '--plan', plan);
    const [applied] = trail();
    expect((await remediate('--undo', applied?.changeId ?? '')).code).toBe(0);
    const [, undo] = trail();

    const { code, stdout, stderr } = await remediate('--apply', '--plan', plan);
    expect(code).toBe(1);
    expect(stdout).toContain(
      `already applied (${applied?.changeId}, ${applied?.time}), then undone (${undo?.changeId}, ${undo?.time}); plan again to fix the room anew`,
    );
    expect(stderr).toContain('0 applied, 1 skipped, 0 failed');
    expect((await getRoom(room?.arn ?? '')).maximumMessageLength).toBe(500);
  });

  it('skips a room that no longer violates the policy when its turn comes', async () => {
    const [fixed] = seed(2);
    const plan = join(dir, 'plan.json');
    await remediate('--plan', plan);
    // Fixed by someone else: its updateTime moves too, so the re-read guard names that first.
    await ivschat.send(new UpdateRoomCommand({ identifier: fixed?.arn, maximumMessageLength: 100 }));
    const { code } = await remediate('--apply', '--plan', plan);
    expect(code).toBe(1);
    expect((await getRoom(fixed?.arn ?? '')).maximumMessageLength).toBe(100);
  });

  it('exits 3 when UpdateRoom fails, recording the failure in the trail', async () => {
    seed(1);
    aws.setFaults({ serverErrorRate: 1, serverErrorOperations: ['UpdateRoom'] });
    const { code, stdout } = await remediate('--apply', '--write-budget', '5');
    expect(code).toBe(3);
    expect(stdout).toMatch(/^FAILED {2}chg-.*UpdateRoom failed: UpdateRoom InternalServerException/m);
    expect(trail()).toMatchObject([{ outcome: 'failed', before: { maximumMessageLength: 500 } }]);
    expect(lengths()).toEqual({ 'long-0': 500 });
  });

  it('exits 3 and writes nothing when the audit behind the plan is incomplete', async () => {
    seed(2);
    aws.setFaults({ serverErrorRate: 1, serverErrorOperations: ['ListRooms'] });
    const { code, stderr } = await remediate('--apply');
    expect(code).toBe(3);
    expect(stderr).toContain('the audit is incomplete');
    expect(updateRoomCalls()).toBe(0);
  });
});

describe('ivschat-audit remediate --tag (opt-in rooms only)', () => {
  const OPT_IN = { 'ivschat-auditor:remediate': 'true' };
  const seedTagged = () =>
    aws.seedRooms(REGION, [
      { name: 'opted-in', maximumMessageLength: 500, tags: { ...OPT_IN, owner: 'chat' } },
      { name: 'not-opted-in', maximumMessageLength: 500, tags: { owner: 'chat' } },
    ]);

  it('plans and writes only the rooms carrying the tag, and lists the others as not opted in', async () => {
    seedTagged();
    const { code, stdout } = await remediate('--tag', 'ivschat-auditor:remediate=true', '--apply');

    expect(code).toBe(0);
    expect(stdout).toContain('not-opted-in');
    expect(stdout).toContain('not opted in: tag ivschat-auditor:remediate=true missing');
    expect(lengths()).toEqual({ 'opted-in': 200, 'not-opted-in': 500 });
    expect(updateRoomCalls()).toBe(1);
  });

  it('skips, untouched, a room whose tag was removed between plan and apply', async () => {
    const [optedIn] = seedTagged();
    const plan = join(dir, 'plan.json');
    expect((await remediate('--tag', 'ivschat-auditor:remediate=true', '--plan', plan)).code).toBe(0);
    await ivschat.send(
      new UntagResourceCommand({ resourceArn: optedIn?.arn, tagKeys: ['ivschat-auditor:remediate'] }),
    );
    aws.resetStats();

    const { code, stdout } = await remediate(
      '--tag',
      'ivschat-auditor:remediate=true',
      '--apply',
      '--plan',
      plan,
    );
    expect(code).toBe(1);
    expect(stdout).toMatch(/^SKIPPED .*opted-in .*not opted in: tag ivschat-auditor:remediate=true missing/m);
    expect(lengths()).toEqual({ 'opted-in': 500, 'not-opted-in': 500 });
    expect(updateRoomCalls()).toBe(0);
  });
});

describe('ivschat-audit remediate --undo', () => {
  it('restores the room exactly as it was, once', async () => {
    aws.seedRooms(REGION, [{ name: 'undo-me', maximumMessageLength: 500, maximumMessageRatePerSecond: 50 }]);
    const [room] = aws.rooms(REGION);
    const original = await getRoom(room?.arn ?? '');
    expect((await remediate('--apply')).code).toBe(0);
    const [first, second] = trail();
    expect(first?.policyId).toBe('message-length-max');
    expect(second?.policyId).toBe('message-rate-max');

    // Undone newest first, each against the room as its change left it.
    expect((await remediate('--undo', second?.changeId ?? '')).code).toBe(0);
    const { code, stdout } = await remediate('--undo', first?.changeId ?? '');
    expect(code).toBe(0);
    expect(stdout).toContain('maximumMessageLength: 200 → 500');
    const restored = await getRoom(room?.arn ?? '');
    const withoutTime = ({ updateTime: _, ...rest }: RoomDocument) => rest;
    expect(withoutTime(restored)).toEqual(withoutTime(original));
    expect(trail().slice(2)).toMatchObject([
      {
        kind: 'undo',
        undoOf: second?.changeId,
        outcome: 'applied',
        after: { maximumMessageRatePerSecond: 50 },
      },
      { kind: 'undo', undoOf: first?.changeId, outcome: 'applied', after: { maximumMessageLength: 500 } },
    ]);

    const again = await remediate('--undo', first?.changeId ?? '');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`change ${first?.changeId} was already undone`);
  });

  it('does not undo over a later change to the room (exit 1)', async () => {
    const [room] = seed(1);
    await remediate('--apply');
    const [applied] = trail();
    await ivschat.send(new UpdateRoomCommand({ identifier: room?.arn, maximumMessageLength: 150 }));
    const { code, stdout } = await remediate('--undo', applied?.changeId ?? '');
    expect(code).toBe(1);
    expect(stdout).toContain(`the room changed since change ${applied?.changeId}`);
    expect((await getRoom(room?.arn ?? '')).maximumMessageLength).toBe(150);
  });
});

describe('ivschat-audit remediate: where its files go by default', () => {
  /** A clone the user works in: remediate runs at its root, as the README shows. */
  const repo = () => {
    const cwd = join(dir, 'team-repo');
    mkdirSync(cwd);
    execFileSync('git', ['init', '-q'], { cwd });
    return cwd;
  };
  const run = (cwd: string, ...extra: string[]) =>
    cliWith(
      [
        'remediate',
        '--endpoint',
        aws.endpoint,
        '--region',
        REGION,
        '--policies',
        DEFAULT_POLICIES_DIR,
        '--max-percent',
        '100',
        ...extra,
      ],
      { cwd },
    );

  it('keeps the plan and the trail in .ivschat-audit/, which git ignores: nothing is left untracked', async () => {
    seed(2);
    const cwd = repo();
    const planned = await run(cwd, '--plan');
    expect(planned.code).toBe(0);
    expect(planned.stderr).toContain(`plan saved to ${join(cwd, '.ivschat-audit/plan.json')}`);
    expect(planned.stderr).toContain('apply with: ivschat-audit remediate --apply --plan\n');

    const applied = await run(cwd, '--apply', '--plan');
    expect(applied.code).toBe(0);
    expect(applied.stderr).toContain(
      `2 applied, 0 skipped, 0 failed; trail: ${join(cwd, '.ivschat-audit/remediation.jsonl')}`,
    );
    const trailed = readFileSync(join(cwd, '.ivschat-audit/remediation.jsonl'), 'utf8').trim().split('\n');
    expect(trailed.map((line) => (JSON.parse(line) as TrailEntry).outcome)).toEqual(['applied', 'applied']);
    expect(
      execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd, encoding: 'utf8' }),
    ).toBe('');
    expect(lengths()).toEqual({ 'long-0': 200, 'long-1': 200 });
  });

  it('makes no .ivschat-audit/ folder when --apply --plan has no plan to apply', async () => {
    const cwd = repo();
    const { code, stderr } = await run(cwd, '--apply', '--plan');
    expect(code).toBe(2);
    expect(stderr).toContain(`--plan ${join(cwd, '.ivschat-audit/plan.json')}: no such file`);
    expect(existsSync(join(cwd, '.ivschat-audit'))).toBe(false);
  });

  it('says where the trail moved when the old ./ivschat-remediation.jsonl is there', async () => {
    const cwd = repo();
    writeFileSync(join(cwd, 'ivschat-remediation.jsonl'), '');
    const { code, stderr } = await run(cwd, '--undo', 'chg-0123456789ab');
    expect(code).toBe(2);
    expect(stderr).toContain(
      'note: ivschat-remediation.jsonl (where the trail used to be kept) is not read: move it to .ivschat-audit/remediation.jsonl, or pass --trail ivschat-remediation.jsonl',
    );
  });
});

describe('ivschat-audit remediate: bad input exits 2 naming the flag or file', () => {
  it.each([
    [['--max-percent', '101'], '--max-percent: expected a number from 0 to 100'],
    [['--write-budget', '6'], '--write-budget: expected more than 0 and at most the UpdateRoom quota of 5'],
    [['--policy', 'no-such-policy'], '--policy: no policy "no-such-policy"'],
    [['--policy', 'required-tags'], '--policy: policy required-tags declares no fix'],
    [
      ['--undo', 'chg-0123456789ab'],
      '--undo looks change chg-0123456789ab up in the trail its --apply run wrote',
    ],
    [['--undo', 'yesterday'], '--undo: "yesterday" is not a change id'],
    [['--tag', 'remediate'], '--tag: "remediate" is not a tag as key=value'],
  ])('%j', async (flags, message) => {
    const { code, stderr } = await remediate(...flags);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(updateRoomCalls()).toBe(0);
  });

  it('refuses a saved plan that is not one, naming the file and the JSON pointer', async () => {
    const plan = join(dir, 'plan.json');
    writeFileSync(
      plan,
      JSON.stringify({ plannedAt: 'x', roomsAudited: 1, changes: [{ changeId: 'chg-1', policyId: 'p' }] }),
    );
    const { code, stderr } = await remediate('--apply', '--plan', plan);
    expect(code).toBe(2);
    expect(stderr).toContain(`--plan ${plan} /changes/0/accountId: not a string`);
  });

  it("skips, untouched, a change of an edited plan whose values are not its policy's fix (exit 1)", async () => {
    seed(1);
    const plan = join(dir, 'plan.json');
    await remediate('--plan', plan);
    const saved = JSON.parse(readFileSync(plan, 'utf8'));
    // 1 passes message-length-max and breaks no other policy; its fix sets 200.
    saved.changes[0] = { ...saved.changes[0], after: { maximumMessageLength: 1 } };
    writeFileSync(plan, JSON.stringify(saved));
    const { code, stdout } = await remediate('--apply', '--plan', plan);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^SKIPPED .*long-0 .*are not what policy message-length-max's fix sets/m);
    expect(updateRoomCalls()).toBe(0);
    expect(lengths()).toEqual({ 'long-0': 500 });
    expect(trail()).toMatchObject([{ outcome: 'skipped', after: { maximumMessageLength: 1 } }]);
  });

  it("refuses a saved plan for another account than the credentials' own, writing nothing", async () => {
    const [room] = seed(1);
    const plan = join(dir, 'plan.json');
    await remediate('--plan', plan);
    const saved = JSON.parse(readFileSync(plan, 'utf8'));
    const foreign = (room?.arn ?? '').replace('000000000000', '111111111111');
    saved.changes[0] = { ...saved.changes[0], accountId: '111111111111', roomArn: foreign };
    writeFileSync(plan, JSON.stringify(saved));
    const { code, stderr } = await remediate('--apply', '--plan', plan);
    expect(code).toBe(2);
    expect(stderr).toContain(
      '--plan: a change is planned for account 111111111111, but the credentials are of account 000000000000',
    );
    expect(updateRoomCalls()).toBe(0);
    expect(trail()).toEqual([]);
  });

  it('refuses a trail line that is not an entry, naming the file and the line', async () => {
    writeFileSync(trailFile(), '{"changeId":"chg-0123456789ab"}\n');
    const { code, stderr } = await remediate('--undo', 'chg-0123456789ab');
    expect(code).toBe(2);
    expect(stderr).toContain(`${trailFile()} line 1 /kind: missing`);
  });
});
