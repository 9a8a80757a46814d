/**
 * The run metrics both the single-account run and the state machine's aggregate step emit: the same
 * names for the same counts, in each mode's order, with each mode's differences passed in.
 */
import { describe, expect, it } from 'vitest';
import { count, emitRunMetrics } from '../../lambda/modes/run-metrics.js';

function recorder() {
  const emitted: [string, string, number][] = [];
  return {
    emitted,
    metrics: { addMetric: (name: string, unit: string, value: number) => emitted.push([name, unit, value]) },
  };
}

const counts = {
  roomsAudited: 3,
  findings: 2,
  newFindings: 1,
  resolvedFindings: 0,
  errors: 0,
  complete: true,
};

describe('emitRunMetrics', () => {
  it('emits what the mode measures around the shared counts, in order', () => {
    const { emitted, metrics } = recorder();
    emitRunMetrics(metrics as never, {
      before: [count('TargetsPlanned', 4)],
      counts,
      after: [count('SinkUndelivered_sns', 0)],
      bySeverity: [{ severity: 'high' }, { severity: 'high' }],
      severityZeros: false,
      last: [count('RemediationPlanned', 1)],
      succeeded: true,
    });
    expect(emitted.map(([name, , value]) => `${name}=${value}`)).toEqual([
      'TargetsPlanned=4',
      'RoomsAudited=3',
      'Findings=2',
      'NewFindings=1',
      'ResolvedFindings=0',
      'ApiErrors=0',
      'AuditComplete=1',
      'SinkUndelivered_sns=0',
      'Findings_high=2',
      'RemediationPlanned=1',
      'AuditSucceeded=1',
    ]);
  });

  it('emits every severity as 0 only when the mode asks for zeros, and no success when it did not succeed', () => {
    const { emitted, metrics } = recorder();
    emitRunMetrics(metrics as never, { counts, bySeverity: [], severityZeros: true, succeeded: false });
    const names = emitted.map(([name]) => name);
    expect(names.filter((n) => n.startsWith('Findings_'))).toEqual([
      'Findings_critical',
      'Findings_high',
      'Findings_medium',
      'Findings_low',
      'Findings_info',
    ]);
    expect(names).not.toContain('AuditSucceeded');
    const { emitted: quiet, metrics: other } = recorder();
    emitRunMetrics(other as never, { counts, bySeverity: [], severityZeros: false, succeeded: false });
    expect(quiet.some(([n]) => n.startsWith('Findings_'))).toBe(false);
  });
});
