import { describe, expect, it } from 'vitest';
import { fillRemediation, shownFinding, shownReport } from '../../lambda/render/remediation.js';
import { makeFinding, makeReport } from './fixtures.js';

describe('fillRemediation', () => {
  it('fills every placeholder a policy may use: {arn} {id} {name} {region} {accountId}', () => {
    const f = makeFinding({
      remediationTemplate:
        'aws ivschat update-room --region {region} --identifier {arn} # {name} {id} in {accountId}',
      roomArn: 'arn:aws:ivschat:eu-west-1:123456789012:room/Pt8gN3bZq6Ve',
      roomId: 'Pt8gN3bZq6Ve',
      roomName: 'sandbox',
      region: 'eu-west-1',
      accountId: '123456789012',
    });
    expect(fillRemediation(f)).toBe(
      'aws ivschat update-room --region eu-west-1 --identifier arn:aws:ivschat:eu-west-1:123456789012:room/Pt8gN3bZq6Ve # sandbox Pt8gN3bZq6Ve in 123456789012',
    );
  });

  it('fills a placeholder each time it appears, and inserts room data literally ($& stays $&)', () => {
    const f = makeFinding({ remediationTemplate: '{name} / {name}', roomName: 'a$&b$1' });
    // Single-quoted, as every value a shell would treat specially (test/render/shell-word.test.ts).
    expect(fillRemediation(f)).toBe("'a$&b$1' / 'a$&b$1'");
  });

  it('leaves other braces alone', () => {
    const f = makeFinding({ remediationTemplate: 'set tags {"owner": "x"} on {unknown}' });
    expect(fillRemediation(f)).toBe('set tags {"owner": "x"} on {unknown}');
  });
});

describe('shownFinding and shownReport', () => {
  it('show `remediation` filled and never the template', () => {
    const f = makeFinding({ remediationTemplate: 'fix {arn}' });
    const shown = shownFinding(f);
    expect(shown.remediation).toBe(`fix ${f.roomArn}`);
    expect(shown).not.toHaveProperty('remediationTemplate');
    const report = shownReport(makeReport({ findings: [f] }));
    expect(JSON.parse(JSON.stringify(report)).findings[0]).toMatchObject({
      fingerprint: f.fingerprint,
      remediation: `fix ${f.roomArn}`,
    });
    expect(report.findings[0]).not.toHaveProperty('remediationTemplate');
  });
});
