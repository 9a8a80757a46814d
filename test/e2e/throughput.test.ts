/**
 * Many rooms against the per-account quota: the client-side budget keeps the auditor under the
 * quota, and any throttling the machine's hiccups may still cause is retried by the SDK, never a
 * failed call. The big run is scaled in time (quotas ×10, budget ×10) to keep CI fast; the smaller
 * one runs at the real 5 TPS through the handler.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { auditAccount } from '../../lambda/inventory/live-audit.js';
import { loadPolicyDir } from '../../lambda/policy/load-dir.js';
import {
  generatedLogging,
  generatedRooms,
  opStats,
  POLICIES_DIR,
  publishedSince,
  type Stack,
  stackAudit,
  startStack,
} from './helpers.js';

const REGION = 'us-east-1';
let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe('audit throughput within the IVS Chat quota', () => {
  it('audits 200 rooms with zero failed calls (quota ×10 = 50 TPS, budget ×10 = 40 TPS)', async () => {
    stack = await startStack({ quotas: { enabled: true, scale: 10 } });
    stack.aws.seedLoggingConfigurations(REGION, [generatedLogging(REGION)]);
    stack.aws.seedRooms(REGION, generatedRooms(REGION, 200));

    const run = await auditAccount({
      regions: [REGION],
      policies: loadPolicyDir(POLICIES_DIR).policies,
      connection: { endpoint: stack.aws.endpoint },
      apiBudgetTps: 40,
    });

    expect(run.report.complete).toBe(true);
    expect(run.report.errors).toEqual([]);
    expect(run.report.roomsAudited).toBe(200);
    expect(run.report.findings.filter((f) => f.policyId === 'message-length-max')).toHaveLength(67);

    const quota = 5 * 10;
    for (const operation of ['ListRooms', 'GetRoom']) {
      const s = opStats(stack.aws, REGION, operation);
      expect(s.errors, `${operation} errors`).toBe(0);
      // Throttled calls may only exist if the SDK retried them into success.
      expect(s.succeeded, `${operation} answered`).toBe(operation === 'GetRoom' ? 200 : 4);
      // The budget releases calls ≥ 1/40 s apart; even if a stalled event loop bunched every call
      // in flight (at most the GetRoom concurrency, 8), a 1-second window stays within 50.
      expect(s.maxObservedTps, `${operation} peak TPS`).toBeLessThanOrEqual(quota);
    }
  });

  it('audits 30 rooms at the real 5 TPS quota through the handler (budget 4 TPS)', async () => {
    stack = await startStack({ quotas: { enabled: true, scale: 1 } });
    stack.aws.seedLoggingConfigurations(REGION, [generatedLogging(REGION)]);
    stack.aws.seedRooms(REGION, generatedRooms(REGION, 30));
    const audit = stackAudit(stack, {
      table: await stack.freshTable(),
      regions: [REGION],
      env: { API_BUDGET_TPS: '4' },
    });

    const { summary } = await audit();

    expect(summary).toMatchObject({ roomsAudited: 30, errors: 0, complete: true, newFindings: 10 });
    const getRoom = opStats(stack.aws, REGION, 'GetRoom');
    expect(getRoom.errors).toBe(0);
    expect(getRoom.succeeded).toBe(30);
    const [alert] = publishedSince(stack.aws, 0);
    expect(alert?.machine.report).toMatchObject({ roomsAudited: 30, complete: true, errorCount: 0 });
  });
});
