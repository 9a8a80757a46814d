/**
 * What the Lambda returns: a summary whose size does not grow with rooms, findings, regions or errors
 * (Lambda caps a response at 6 MB, Step Functions a payload at 256 KiB).
 */
import { describe, expect, it } from 'vitest';
import type { AuditError, Finding, RegionInventory, Report } from '../../lambda/core/types.js';
import type { NotifyOutcome } from '../../lambda/pipeline/deliver.js';
import {
  clipText,
  MAX_SUMMARY_BYTES,
  MAX_SUMMARY_ERROR_CODES,
  MAX_SUMMARY_MESSAGE_IDS,
  MAX_SUMMARY_REGIONS,
  MAX_SUMMARY_SINKS,
  summariseRun,
} from '../../lambda/pipeline/run-summary.js';
import { ACCOUNT } from '../fixtures.js';
import { runSummaryProblems } from './run-summary-schema.js';

function finding(i: number, status: Finding['status']): Finding {
  const arn = `arn:aws:ivschat:us-east-1:${ACCOUNT}:room/Room${String(i).padStart(8, '0')}`;
  return {
    fingerprint: `fp-${i}`,
    policyId: 'message-length-max',
    title: 'Chat messages are at most 200 characters',
    severity: 'medium',
    status,
    accountId: ACCOUNT,
    region: 'us-east-1',
    roomArn: arn,
    roomId: `Room${i}`,
    roomName: `room-${i}`,
    path: '/maximumMessageLength',
    actual: 500,
    message: 'maximumMessageLength is 500; must be ≤ 200',
    remediationTemplate: 'aws ivschat update-room --identifier {arn} --maximum-message-length 200',
    firstSeen: '2026-01-01T00:00:00.000Z',
    lastSeen: '2026-01-01T00:00:00.000Z',
  };
}

function inventory(region: string, rooms: number, errors: AuditError[] = []): RegionInventory {
  const arns = Array.from({ length: rooms }, (_, i) => `arn:aws:ivschat:${region}:${ACCOUNT}:room/R${i}`);
  return {
    accountId: ACCOUNT,
    region,
    listed: arns,
    audited: arns.slice(0, rooms - 1),
    rooms: [],
    deleted: [],
    notReached: arns.slice(rooms - 1),
    errors,
    complete: false,
    calls: { listRooms: Math.ceil(rooms / 50), getRoom: rooms },
  };
}

function outcome(input: {
  findings: Finding[];
  errors?: AuditError[];
  messageIds?: string[];
  roomsAudited?: number;
}): NotifyOutcome {
  const report: Report = {
    version: '1.0',
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:10:00.000Z',
    targets: [],
    roomsAudited: input.roomsAudited ?? input.findings.length,
    policiesEvaluated: 5,
    findings: input.findings,
    errors: input.errors ?? [],
    complete: (input.errors ?? []).length === 0,
  };
  const messageIds = input.messageIds ?? [];
  return {
    alert: {
      accountId: ACCOUNT,
      regions: ['us-east-1'],
      newFindings: input.findings.filter((f) => f.status === 'new'),
      resolvedFindings: [],
      reminders: input.findings.filter((f) => f.status === 'open'),
      report,
    },
    receipts: [],
    published: messageIds.length,
    messageIds,
  };
}

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

describe('summariseRun', () => {
  it('counts findings by lifecycle and leaves exempt findings out of the open count', () => {
    const findings = [
      ...Array.from({ length: 3 }, (_, i) => finding(i, 'new')),
      ...Array.from({ length: 2 }, (_, i) => finding(10 + i, 'open')),
      finding(20, 'exempt'),
    ];

    const summary = summariseRun({
      accountId: ACCOUNT,
      inventories: [inventory('us-east-1', 6)],
      outcome: outcome({ findings, messageIds: ['a3b9c1d2-0000-4000-8000-000000000001'] }),
      durationMs: 1234,
    });

    expect(summary).toEqual({
      accountId: ACCOUNT,
      roomsAudited: 6,
      findings: 5,
      newFindings: 3,
      resolvedFindings: 0,
      reminders: 2,
      errors: 0,
      complete: true,
      published: 1,
      messageIds: ['a3b9c1d2-0000-4000-8000-000000000001'],
      regions: [
        {
          region: 'us-east-1',
          roomsListed: 6,
          roomsAudited: 5,
          roomsRemaining: 1,
          listRoomsCalls: 1,
          getRoomCalls: 6,
          errors: 0,
        },
      ],
      regionsOmitted: 0,
      errorCodes: [],
      errorCodesOmitted: 0,
      sinksLagging: [],
      durationMs: 1234,
    });
  });

  it('counts errors per code, most frequent first', () => {
    const error = (code: string): AuditError => ({
      region: 'us-east-1',
      operation: 'GetRoom',
      code,
      message: 'x',
    });
    const errors = [
      error('ThrottlingException'),
      error('AccessDeniedException'),
      error('AccessDeniedException'),
    ];

    const summary = summariseRun({
      accountId: ACCOUNT,
      inventories: [inventory('us-east-1', 3, errors)],
      outcome: outcome({ findings: [], errors }),
      durationMs: 1,
    });

    expect(summary.errorCodes).toEqual([
      { code: 'AccessDeniedException', count: 2 },
      { code: 'ThrottlingException', count: 1 },
    ]);
    expect(summary).toMatchObject({ errors: 3, complete: false, errorCodesOmitted: 0 });
    expect(summary.regions[0]?.errors).toBe(3);
  });

  it(`stays within ${MAX_SUMMARY_BYTES} bytes for 50,000 findings, 1,000 regions, 10,000 distinct error codes and 1,000 messages`, () => {
    // Worst cases for every string: long, distinct, non-ASCII, and characters JSON must escape.
    const hostile = (i: number) => `${i}"\\\u0000\u2028é😀${'\u0001'.repeat(500)}`;
    const errors: AuditError[] = Array.from({ length: 10_000 }, (_, i) => ({
      region: hostile(i),
      operation: 'GetRoom',
      code: hostile(i),
      message: hostile(i).repeat(10),
    }));
    const inventories = Array.from({ length: 1_000 }, (_, i) =>
      inventory(hostile(i), 60, errors.slice(0, 3)),
    );
    const findings = Array.from({ length: 50_000 }, (_, i) => finding(i, i % 2 ? 'new' : 'open'));
    const messageIds = Array.from({ length: 1_000 }, (_, i) => hostile(i));

    const lagging = Array.from({ length: 50 }, (_, i) => ({
      sink: hostile(i),
      undelivered: 50_000,
      error: hostile(i).repeat(100),
    }));

    const summary = summariseRun({
      accountId: hostile(0),
      inventories,
      outcome: { ...outcome({ findings, errors, messageIds, roomsAudited: 59_000 }), lagging },
      durationMs: Number.MAX_SAFE_INTEGER,
    });

    expect(bytes(summary)).toBeLessThanOrEqual(MAX_SUMMARY_BYTES);
    // The documented contract holds at the worst case too (capped lists, clipped ASCII strings).
    expect(runSummaryProblems(summary)).toEqual([]);
    // Bounded by capping, not by losing the totals.
    expect(summary).toMatchObject({
      roomsAudited: 59_000,
      findings: 50_000,
      newFindings: 25_000,
      reminders: 25_000,
      errors: 10_000,
      published: 1_000,
      regionsOmitted: 1_000 - MAX_SUMMARY_REGIONS,
      errorCodesOmitted: 10_000 - MAX_SUMMARY_ERROR_CODES,
    });
    expect(summary.regions).toHaveLength(MAX_SUMMARY_REGIONS);
    expect(summary.messageIds).toHaveLength(MAX_SUMMARY_MESSAGE_IDS);
    expect(summary.errorCodes).toHaveLength(MAX_SUMMARY_ERROR_CODES);
    expect(summary.sinksLagging).toHaveLength(MAX_SUMMARY_SINKS);
  });

  it('names each sink that lagged, how much it still owes and why', () => {
    const summary = summariseRun({
      accountId: ACCOUNT,
      inventories: [],
      outcome: {
        ...outcome({ findings: [] }),
        lagging: [
          { sink: 'securityhub', undelivered: 3, error: 'InvalidAccessException in 123456789012/us-east-1' },
        ],
      },
      durationMs: 1,
    });

    expect(summary.sinksLagging).toEqual([
      { sink: 'securityhub', undelivered: 3, error: 'InvalidAccessException in 123456789012/us-east-1' },
    ]);
    expect(runSummaryProblems(summary)).toEqual([]);
  });
});

describe('clipText (a reason in a run summary)', () => {
  it('keeps the words as written, em dash included, within its byte count once serialised', () => {
    const reason = 'AccessDenied — deploy the IvsChatAuditorMember stack there';
    expect(clipText(reason, 200)).toBe(reason);
    const long = clipText(`${reason} “quoted” \u001b[2J `.repeat(20), 200);
    expect(Buffer.byteLength(JSON.stringify(long)) - 2).toBeLessThanOrEqual(200);
    expect(long).toMatch(/^AccessDenied — deploy .*…$/);
    expect(long).not.toContain('\u001b');
  });
});
