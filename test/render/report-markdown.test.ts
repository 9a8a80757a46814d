import { describe, expect, it } from 'vitest';
import { evaluateRoom } from '../../lambda/audit/evaluate.js';
import { REPORT_VERSION, type Report } from '../../lambda/core/types.js';
import { loadPolicyDir } from '../../lambda/policy/load-dir.js';
import { MAX_MARKDOWN_ROWS, renderReportMarkdown } from '../../lambda/render/report-markdown.js';
import { compliantRoom } from '../fixtures.js';

const NOW = '2026-06-01T12:00:00.000Z';
const policies = loadPolicyDir().policies;

function reportOf(rooms: ReturnType<typeof compliantRoom>[], extra: Partial<Report> = {}): Report {
  const findings = rooms.flatMap((room) => evaluateRoom(room, policies, { now: NOW }).findings);
  return {
    version: REPORT_VERSION,
    startedAt: NOW,
    finishedAt: NOW,
    targets: [],
    roomsAudited: rooms.length,
    policiesEvaluated: policies.length,
    findings,
    errors: [],
    complete: true,
    ...extra,
  };
}

describe('renderReportMarkdown', () => {
  it('lists failing findings in a table, with the summary and what was not evaluated', () => {
    const markdown = renderReportMarkdown(
      reportOf([compliantRoom({ name: 'lobby', maximumMessageLength: 400 })], {
        notEvaluated: [{ policyId: 'logging-active', reason: 'no joined facts', rooms: ['x'] }],
      }),
    );
    expect(markdown).toContain('| medium | message-length-max | lobby (');
    expect(markdown).toContain('maximumMessageLength is 400; must be ≤ 200 | NEW |');
    expect(markdown).toContain('- logging-active on 1 room: no joined facts');
  });

  it('escapes room data: no HTML, link, mention or cell break forms', () => {
    const room = compliantRoom({
      name: '<img src=x> | @team [a](https://x.example)',
      maximumMessageLength: 400,
    });
    const row = renderReportMarkdown(reportOf([room]))
      .split('\n')
      .find((l) => l.startsWith('| medium'));
    expect(row).toBeDefined();
    expect(row).not.toMatch(/[<>@[\]]|:\/\//);
    // A cell break from the name would add a column.
    expect(row?.split('|')).toHaveLength(7);
  });

  it(`shows at most ${MAX_MARKDOWN_ROWS} rows and says how many more there are`, () => {
    const rooms = Array.from({ length: MAX_MARKDOWN_ROWS + 5 }, (_, i) =>
      compliantRoom({
        arn: `arn:aws:ivschat:us-east-1:123456789012:room/Room${i}`,
        maximumMessageLength: 400,
      }),
    );
    const markdown = renderReportMarkdown(reportOf(rooms));
    expect(markdown.split('\n').filter((l) => l.startsWith('| medium'))).toHaveLength(MAX_MARKDOWN_ROWS);
    expect(markdown).toContain('5 more not shown');
  });
});
