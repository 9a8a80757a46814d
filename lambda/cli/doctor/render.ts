/**
 * A doctor report as text (one block per check: status, title, evidence, fix) or JSON. Evidence holds
 * API answers (names, reasons, endpoints): every line is stripped of control characters before it
 * reaches a terminal.
 */
import { stripControl } from '../../render/escape.js';
import type { CheckStatus } from './check.js';
import type { DoctorReport } from './run.js';

const LABEL: Record<CheckStatus, string> = {
  pass: 'ok  ',
  warn: 'WARN',
  fail: 'FAIL',
  skip: '-   ',
  unknown: '??  ',
};

export const DOCTOR_REPORT_VERSION = 1;

export function renderDoctorText(report: DoctorReport): string {
  const lines = [
    `ivschat-audit doctor: stack ${stripControl(report.stackName)} in ${report.region}, ${report.checkedAt}`,
    '',
  ];
  for (const c of report.checks) {
    lines.push(`${LABEL[c.status]}  ${stripControl(c.title)}`);
    for (const e of c.evidence) lines.push(`      ${stripControl(e)}`);
    if (c.fix && c.status !== 'pass' && c.status !== 'skip') lines.push(`      fix: ${stripControl(c.fix)}`);
  }
  const count = (s: CheckStatus) => report.checks.filter((c) => c.status === s).length;
  lines.push(
    '',
    `${count('pass')} ok, ${count('warn')} warning(s), ${count('fail')} problem(s), ${count('unknown')} not checked, ${count('skip')} not configured; ${report.calls.made} calls (budget ${report.calls.budget})`,
  );
  const unknown = report.checks.filter((c) => c.status === 'unknown');
  if (unknown.length > 0) lines.push(`could not check: ${unknown.map((c) => c.id).join(', ')}`);
  return `${lines.join('\n')}\n`;
}

export function renderDoctorJson(report: DoctorReport): string {
  const healthy = report.checks.every((c) => c.status !== 'fail' && c.status !== 'unknown');
  return `${JSON.stringify({ version: DOCTOR_REPORT_VERSION, healthy, ...report }, null, 2)}\n`;
}
