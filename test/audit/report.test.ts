import { describe, expect, it } from 'vitest';
import { combineReports } from '../../lambda/audit/report.js';
import { makeFinding, makeReport } from '../render/fixtures.js';

describe('Function: combineReports', () => {
  it("joins several accounts' reports: every target, finding and error, counts summed", () => {
    const a = makeReport({
      targets: [{ accountId: '111111111111', region: 'us-east-1' }],
      roomsAudited: 3,
      findings: [makeFinding({ accountId: '111111111111' })],
      roomsSkipped: 1,
      progress: { roomsListed: 4, roomsRemaining: 0 },
    });
    const b = makeReport({
      startedAt: '2025-01-01T23:59:00.000Z',
      finishedAt: '2025-01-02T00:05:00.000Z',
      targets: [{ accountId: '222222222222', region: 'eu-west-1' }],
      roomsAudited: 5,
      findings: [makeFinding({ accountId: '222222222222' }), makeFinding({ accountId: '222222222222' })],
      errors: [
        { region: 'eu-west-1', operation: 'GetRoom', code: 'ThrottlingException', message: 'slow down' },
      ],
      progress: { roomsListed: 9, roomsRemaining: 4 },
    });

    const combined = combineReports([a, b]);

    expect(combined.targets).toEqual([...a.targets, ...b.targets]);
    expect(combined.findings).toEqual([...a.findings, ...b.findings]);
    expect(combined.errors).toEqual(b.errors);
    expect(combined.roomsAudited).toBe(8);
    expect(combined.roomsSkipped).toBe(1);
    expect(combined.progress).toEqual({ roomsListed: 13, roomsRemaining: 4 });
    expect(combined.policiesEvaluated).toBe(5);
    expect(combined.startedAt).toBe('2025-01-01T23:59:00.000Z');
    expect(combined.finishedAt).toBe('2025-01-02T00:05:00.000Z');
  });

  it('keeps one notEvaluated entry per policy, with the rooms of every report', () => {
    const reason = 'it reads loggingConfigurations';
    const a = makeReport({ notEvaluated: [{ policyId: 'logging-active', reason, rooms: ['arn:a'] }] });
    const b = makeReport({ notEvaluated: [{ policyId: 'logging-active', reason, rooms: ['arn:b'] }] });

    const combined = combineReports([a, b, makeReport()]);

    expect(combined.notEvaluated).toEqual([
      { policyId: 'logging-active', reason, rooms: ['arn:a', 'arn:b'] },
    ]);
    expect(combined.complete).toBe(true);
    expect(combineReports([makeReport()]).notEvaluated).toBeUndefined();
  });

  it('is complete only when every report is', () => {
    expect(combineReports([makeReport(), makeReport()]).complete).toBe(true);
    expect(combineReports([makeReport(), makeReport({ complete: false })]).complete).toBe(false);
  });

  it('leaves out roomsSkipped and progress when no report has them', () => {
    const combined = combineReports([makeReport(), makeReport()]);
    expect(combined).not.toHaveProperty('roomsSkipped');
    expect(combined).not.toHaveProperty('progress');
  });

  it('makes an empty, complete report of no reports', () => {
    expect(combineReports([])).toEqual({
      version: '1.0',
      startedAt: '',
      finishedAt: '',
      targets: [],
      roomsAudited: 0,
      policiesEvaluated: 0,
      findings: [],
      errors: [],
      complete: true,
    });
  });
});
