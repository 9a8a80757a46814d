import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SarifPolicy } from '../../lambda/render/sarif.js';
import { MAX_SARIF_RESULTS, renderSarif } from '../../lambda/render/sarif.js';
import { hasControlChars, makeFinding, makeReport } from './fixtures.js';

const policies: SarifPolicy[] = [
  { id: 'max-message-length', title: 'Max length', severity: 'high', description: 'd1', remediation: 'r1' },
  { id: 'review-handler', title: 'Handler', severity: 'critical', description: 'd2', remediation: 'r2' },
  { id: 'rate-cap', title: 'Rate', severity: 'medium', description: 'd3', remediation: 'r3' },
  { id: 'required-tags', title: 'Tags', severity: 'low', description: 'd4', remediation: 'r4' },
  { id: 'logging', title: 'Logging', severity: 'info', description: 'd5', remediation: 'r5' },
];

describe('Function: renderSarif', () => {
  const findings = [
    makeFinding({ policyId: 'max-message-length', severity: 'high', fingerprint: 'fp-a' }),
    makeFinding({ policyId: 'review-handler', severity: 'critical', status: 'open', fingerprint: 'fp-b' }),
    makeFinding({ policyId: 'rate-cap', severity: 'medium', status: 'resolved', fingerprint: 'fp-c' }),
    makeFinding({
      policyId: 'required-tags',
      severity: 'low',
      status: 'exempt',
      fingerprint: 'fp-d',
      exemption: { reason: 'legacy room', expires: '2099-01-01', expired: false },
    }),
  ];
  const report = makeReport({
    findings,
    complete: false,
    errors: [
      { region: 'eu-west-1', operation: 'ListRooms', code: 'AccessDeniedException', message: 'denied' },
    ],
  });
  const log = renderSarif(report, policies);
  const run = log.runs[0];
  if (!run) throw new Error('no run');

  it('has the SARIF 2.1.0 envelope and one run by ivschat-auditor', () => {
    expect(log.version).toBe('2.1.0');
    expect(log.$schema).toMatch(/sarif-2\.1\.0/);
    expect(log.runs).toHaveLength(1);
    expect(run.tool.driver.name).toBe('ivschat-auditor');
  });

  it('leaves informationUri out unless given a real one (no placeholder)', () => {
    expect(run.tool.driver).not.toHaveProperty('informationUri');
    const given = renderSarif(report, policies, { informationUri: 'https://example.com/ivschat-auditor' });
    expect(given.runs[0]?.tool.driver.informationUri).toBe('https://example.com/ivschat-auditor');
  });

  it('has one rule per policy with level and security-severity from its severity', () => {
    expect(run.tool.driver.rules.map((r) => r.id)).toEqual(policies.map((p) => p.id));
    const byId = Object.fromEntries(run.tool.driver.rules.map((r) => [r.id, r]));
    expect(byId['review-handler']?.defaultConfiguration.level).toBe('error');
    expect(byId['review-handler']?.properties['security-severity']).toBe('9.5');
    expect(byId['max-message-length']?.defaultConfiguration.level).toBe('error');
    expect(byId['max-message-length']?.properties['security-severity']).toBe('8.0');
    expect(byId['rate-cap']?.defaultConfiguration.level).toBe('warning');
    expect(byId['rate-cap']?.properties['security-severity']).toBe('5.5');
    expect(byId['required-tags']?.defaultConfiguration.level).toBe('note');
    expect(byId['required-tags']?.properties['security-severity']).toBe('3.0');
    expect(byId.logging?.properties['security-severity']).toBe('0.0');
    expect(byId['max-message-length']?.help.text).toBe('r1');
    expect(byId['max-message-length']?.shortDescription.text).toBe('Max length');
    expect(byId['max-message-length']?.fullDescription.text).toBe('d1');
  });

  it('has one result per finding that is not resolved', () => {
    expect(run.results.map((r) => r.partialFingerprints['ivschatFinding/v1']).sort()).toEqual([
      'fp-a',
      'fp-b',
      'fp-d',
    ]);
  });

  it('locates each result at the policy file and at the room ARN', () => {
    for (const result of run.results) {
      const finding = findings.find((f) => f.fingerprint === result.partialFingerprints['ivschatFinding/v1']);
      const location = result.locations[0];
      expect(location?.physicalLocation.artifactLocation.uri).toBe(`policies/${finding?.policyId}.json`);
      expect(location?.logicalLocations?.[0]).toMatchObject({
        fullyQualifiedName: finding?.roomArn,
        kind: 'resource',
      });
      expect(run.tool.driver.rules[result.ruleIndex]?.id).toBe(result.ruleId);
      expect(result.message.text.length).toBeGreaterThan(0);
    }
  });

  it('suppresses exempt findings with the exemption reason', () => {
    const exempt = run.results.find((r) => r.ruleId === 'required-tags');
    expect(exempt?.suppressions?.[0]).toMatchObject({
      kind: 'external',
      justification: expect.stringContaining('legacy room'),
    });
    expect(run.results.find((r) => r.ruleId === 'max-message-length')?.suppressions).toBeUndefined();
  });

  it('reports an incomplete audit as an unsuccessful invocation with the errors as notifications', () => {
    expect(run.invocations[0]?.executionSuccessful).toBe(false);
    expect(run.invocations[0]?.toolExecutionNotifications).toHaveLength(1);
    expect(run.invocations[0]?.toolExecutionNotifications[0]?.message.text).toContain(
      'AccessDeniedException',
    );
  });

  it('adds a rule for a finding whose policy was not passed in', () => {
    const log2 = renderSarif(makeReport({ findings: [makeFinding({ policyId: 'orphan' })] }), []);
    expect(log2.runs[0]?.tool.driver.rules.map((r) => r.id)).toEqual(['orphan']);
    expect(log2.runs[0]?.invocations[0]?.executionSuccessful).toBe(true);
  });

  it('locates results at the real policy file, relative to the working directory (--policies mypol)', () => {
    const mine = (id: string, file: string): SarifPolicy => ({ ...(policies[0] as SarifPolicy), id, file });
    const log2 = renderSarif(
      makeReport({
        findings: [
          makeFinding({ policyId: 'length', fingerprint: 'fp-1' }),
          makeFinding({ policyId: 'spaced', fingerprint: 'fp-2' }),
          makeFinding({ policyId: 'elsewhere', fingerprint: 'fp-3' }),
        ],
      }),
      [
        mine('length', join('mypol', 'length.json')),
        mine('spaced', join('team policies', 'spaced #1.json')),
        mine('elsewhere', '/srv/policies/elsewhere.json'),
      ],
    );
    const uri = (fp: string) =>
      log2.runs[0]?.results.find((r) => r.partialFingerprints['ivschatFinding/v1'] === fp)?.locations[0]
        ?.physicalLocation.artifactLocation.uri;
    expect(uri('fp-1')).toBe('mypol/length.json');
    expect(uri('fp-2')).toBe('team%20policies/spaced%20%231.json');
    expect(uri('fp-3')).toBe('file:///srv/policies/elsewhere.json');
  });

  describe('within GitHub code scanning limits (25,000 results accepted, 5,000 shown)', () => {
    // 6,000 failing rooms × 5 policies: 30,000 findings, which GitHub would reject.
    const many = policies.flatMap((p) =>
      Array.from({ length: 6_000 }, (_, i) =>
        makeFinding({
          policyId: p.id,
          severity: p.severity,
          status: i % 2 === 0 ? 'new' : 'open',
          roomName: `room-${String(i).padStart(5, '0')}`,
        }),
      ),
    );
    const big = renderSarif(makeReport({ findings: many }), policies);
    const results = big.runs[0]?.results ?? [];
    const summaries = results.filter((r) => r.properties.summary === true);

    it('lists at most 5,000 results, the most severe first', () => {
      expect(results.length).toBeLessThanOrEqual(MAX_SARIF_RESULTS);
      expect(results.length).toBe(MAX_SARIF_RESULTS);
      const listed = results.filter((r) => r.properties.summary !== true);
      // critical (6,000 of them) come first: every listed finding is from the critical policy
      expect(new Set(listed.map((r) => r.ruleId))).toEqual(new Set(['review-handler']));
    });

    it('counts what it left out in one summary result per policy, and in the run properties', () => {
      const notListed = Object.fromEntries(summaries.map((r) => [r.ruleId, r.properties.notListed]));
      const listedCount = results.length - summaries.length;
      expect(notListed).toEqual({
        'review-handler': 6_000 - listedCount,
        'max-message-length': 6_000,
        'rate-cap': 6_000,
        'required-tags': 6_000,
        logging: 6_000,
      });
      expect(summaries[0]?.message.text).toMatch(/more findings not listed here/);
      expect(big.runs[0]?.properties).toMatchObject({
        findingsListed: listedCount,
        findingsNotListed: 30_000 - listedCount,
      });
    });

    it('gives each summary a stable fingerprint of its own', () => {
      const fps = summaries.map((r) => r.partialFingerprints['ivschatFinding/v1']);
      expect(new Set(fps).size).toBe(summaries.length);
      expect(fps).toContain('not-listed/rate-cap');
    });

    it('lists every finding, without a summary, when they fit', () => {
      expect(run.results.some((r) => r.properties.summary === true)).toBe(false);
    });
  });

  it('is plain JSON', () => {
    expect(JSON.parse(JSON.stringify(log))).toEqual(log);
  });

  it('hostile room data (and a lone surrogate in a policy id, which made encodeURIComponent throw) stays valid JSON', () => {
    const bad = 'a"b\\c\u0000\u001b[2J\n\u2028\u202e\ud800</script>';
    const hostile = renderSarif(
      makeReport({
        findings: [
          makeFinding({
            policyId: bad,
            roomName: bad,
            message: bad,
            roomArn: `arn:${bad}`,
            path: bad,
            title: bad,
          }),
          makeFinding({ status: 'exempt', exemption: { reason: bad, expires: bad, expired: false } }),
        ],
        errors: [{ region: bad, operation: bad, roomArn: bad, code: bad, message: bad }],
        complete: false,
      }),
      [],
    );
    const json = JSON.stringify(hostile, null, 2);
    expect(JSON.parse(json)).toEqual(hostile);
    expect(Buffer.from(json, 'utf8').toString('utf8')).toBe(json); // well-formed: no raw lone surrogate
    const r = hostile.runs[0];
    const texts = [
      ...(r?.results ?? []).flatMap((x) => [
        x.message.text,
        ...(x.suppressions ?? []).map((s) => s.justification),
        ...x.locations.flatMap((l) => (l.logicalLocations ?? []).map((ll) => ll.name)),
      ]),
      ...(r?.tool.driver.rules ?? []).flatMap((x) => [
        x.shortDescription.text,
        x.fullDescription.text,
        x.help.text,
      ]),
      ...(r?.invocations[0]?.toolExecutionNotifications ?? []).flatMap((n) => [
        n.message.text,
        n.descriptor?.id ?? '',
      ]),
    ];
    expect(texts.length).toBeGreaterThan(5);
    for (const t of texts) expect(hasControlChars(t)).toBe(false);
  });
});
