/**
 * A large target across invocations: the audit-target step lists the rooms once per run, keeps the
 * listing, and later invocations only fetch. Each step is invoked as the child workflow does (again
 * while it answers `done: false`), with a deadline that is reached after a number of API calls.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AUDITOR_ACCOUNT, type LocalOrg, orgLoggingConfigArn, startLocalOrg } from '../../demo/local-org.js';
import type { AuditTargetResult } from '../../lambda/modes/state-machine/events.js';
import type { AuditedOutcome } from '../../lambda/pipeline/target-outcome.js';
import { RunListingStore } from '../../lambda/state/run-listing.js';
import { RunStore } from '../../lambda/state/run-store.js';
import type { SeedRoom } from '../../local-aws/index.js';

const REGION = 'us-east-1';
const ROOMS = 230; // five ListRooms pages
const T0 = '2026-03-01T00:00:00.000Z';
const DAY_LATER = '2026-03-02T01:00:00.000Z'; // past the 24-hour full refresh: every room is fetched again

/** `count` rooms; every other one allows 1,000-character messages (a finding). */
function rooms(count: number): SeedRoom[] {
  return Array.from({ length: count }, (_, i) => ({
    accountId: AUDITOR_ACCOUNT,
    region: REGION,
    id: `rlist${String(i).padStart(5, '0')}`,
    name: `room-${i}`,
    maximumMessageLength: i % 2 === 0 ? 1000 : 200,
    maximumMessageRatePerSecond: 10,
    messageReviewHandler: {
      uri: `arn:aws:lambda:${REGION}:${AUDITOR_ACCOUNT}:function:r`,
      fallbackResult: 'DENY',
    },
    loggingConfigurationIdentifiers: [orgLoggingConfigArn(AUDITOR_ACCOUNT, REGION)],
    tags: { owner: 'team' },
  }));
}

let org: LocalOrg | undefined;
afterEach(async () => {
  await org?.close();
  org = undefined;
});

async function start(): Promise<LocalOrg> {
  org = await startLocalOrg(
    { StartAt: 'x', States: {} },
    {
      accounts: [AUDITOR_ACCOUNT],
      regions: [REGION],
      rooms: rooms(ROOMS),
      // The deadline here counts calls, not time: no quotas, no client-side budget.
      quotas: { enabled: false },
    },
  );
  return org;
}

function calls(o: LocalOrg, operation: string): number {
  return o.aws.stats()[REGION]?.[operation]?.calls ?? 0;
}

interface TargetRun {
  invocations: number;
  outcome: AuditedOutcome;
}

/**
 * One run of the target: plan, audit-target until done, aggregate. Invocation n may start
 * `allowance(n)` ListRooms and GetRoom calls before its deadline is reached; `between(n)` runs after it.
 */
async function runTarget(
  o: LocalOrg,
  runId: string,
  startedAt: string,
  allowance: (invocation: number) => number = () => Number.POSITIVE_INFINITY,
  between?: (invocation: number) => Promise<void>,
): Promise<TargetRun> {
  const handler = o.handler({ apiBudgetTps: null });
  await handler({ step: 'plan', runId, startedAt });
  let iteration = 0;
  let invocations = 0;
  for (;;) {
    const allowed = allowance(invocations + 1);
    const before = calls(o, 'ListRooms') + calls(o, 'GetRoom');
    const used = () => calls(o, 'ListRooms') + calls(o, 'GetRoom') - before;
    const context = { getRemainingTimeInMillis: () => (used() >= allowed ? 0 : 15 * 60_000) };
    const step = { step: 'audit-target', runId, startedAt, index: 0, iteration };
    const result = (await handler(step, context)) as AuditTargetResult;
    invocations++;
    if (result.done) break;
    iteration = result.iteration;
    await between?.(invocations);
    expect(invocations).toBeLessThan(50);
  }
  let outcome: AuditedOutcome | undefined;
  for await (const stored of new RunStore(o.dynamo.client, o.table, runId).outcomes()) {
    outcome = stored.outcome as AuditedOutcome;
  }
  await handler({ step: 'aggregate', runId, startedAt });
  if (!outcome) throw new Error(`run ${runId} stored no outcome`);
  return { invocations, outcome };
}

const listing = (o: LocalOrg, runId: string) => new RunListingStore(o.dynamo.client, o.table, runId, 0);
const fingerprints = (outcome: AuditedOutcome) => outcome.report.findings.map((f) => f.fingerprint).sort();

describe('a large target across invocations', { timeout: 60_000 }, () => {
  it('lists once, fetches each room once, and ends as one uninterrupted invocation does', async () => {
    const whole = await runTarget(await start(), 'run-whole', T0);
    await org?.close();
    expect(whole.invocations).toBe(1);

    const o = await start();
    const cut = await runTarget(o, 'run-cut', T0, () => 60);
    expect(cut.invocations).toBeGreaterThan(3);
    expect(calls(o, 'ListRooms')).toBe(5);
    expect(calls(o, 'GetRoom')).toBe(ROOMS);
    expect(cut.outcome.status).toBe('audited');
    expect(cut.outcome.report).toMatchObject({ complete: true, roomsAudited: ROOMS, errors: [] });
    expect(fingerprints(cut.outcome)).toEqual(fingerprints(whole.outcome));
    expect(fingerprints(cut.outcome)).toHaveLength(ROOMS / 2);
    expect(cut.outcome.newFindings.sort()).toEqual(whole.outcome.newFindings.sort());
  });

  it('continues a listing the deadline cut short from its token', async () => {
    const o = await start();
    let kept: Awaited<ReturnType<RunListingStore['progress']>>;
    const run = await runTarget(
      o,
      'run-token',
      T0,
      (n) => (n === 1 ? 2 : Number.POSITIVE_INFINITY),
      async (n) => {
        if (n === 1) kept = await listing(o, 'run-token').progress();
      },
    );
    expect(kept).toMatchObject({ listed: 100, nextToken: expect.any(String) });
    expect(run.invocations).toBe(2);
    expect(calls(o, 'ListRooms')).toBe(5);
    expect(calls(o, 'GetRoom')).toBe(ROOMS);
    expect(run.outcome.report).toMatchObject({ complete: true, roomsAudited: ROOMS, errors: [] });
  });

  it('lists again from the start when IVS refuses the kept token', async () => {
    const o = await start();
    const run = await runTarget(
      o,
      'run-stale',
      T0,
      (n) => (n === 1 ? 2 : Number.POSITIVE_INFINITY),
      async (n) => {
        if (n !== 1) return;
        const store = listing(o, 'run-stale');
        const progress = await store.progress();
        if (!progress) throw new Error('no listing kept');
        // A token IVS no longer honours (expired): ValidationException.
        await store.advance({ ...progress, nextToken: 'expired-token' }, progress.fetched);
      },
    );
    // Two pages, the refused call, then all five pages again.
    expect(calls(o, 'ListRooms')).toBe(2 + 1 + 5);
    expect(calls(o, 'GetRoom')).toBe(ROOMS);
    expect(run.outcome.report).toMatchObject({ complete: true, roomsAudited: ROOMS, errors: [] });
    expect(run.outcome.report.findings).toHaveLength(ROOMS / 2);
  });

  it('resolves the findings of a room deleted between invocations, without an error', async () => {
    const o = await start();
    const first = await runTarget(o, 'run-1', T0);
    const withFinding = new Set(first.outcome.report.findings.map((f) => f.roomArn));
    let deleted: string | undefined;
    const second = await runTarget(
      o,
      'run-2',
      DAY_LATER,
      () => 60,
      async (n) => {
        if (n !== 1) return;
        const store = listing(o, 'run-2');
        const progress = await store.progress();
        const queue = progress ? await store.queue(progress) : [];
        deleted = queue.filter((arn) => withFinding.has(arn)).at(-1);
        if (!deleted) throw new Error('no queued room with a finding');
        o.aws.removeRoom(deleted);
      },
    );
    expect(second.invocations).toBeGreaterThan(1);
    expect(second.outcome.report).toMatchObject({ complete: true, errors: [] });
    expect(second.outcome.report.roomsAudited).toBe(ROOMS - 1);
    expect(second.outcome.resolvedFindings.map((f) => f.roomArn)).toEqual([deleted]);
    expect(second.outcome.newFindings).toEqual([]);
  });
});
