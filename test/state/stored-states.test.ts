import { describe, expect, it } from 'vitest';
import { type StoredStateRow, StoredStatesBuilder, storedState } from '../../lambda/state/stored-states.js';

const row = (n: number, extra: Partial<StoredStateRow> = {}): StoredStateRow => ({
  fingerprint: `fp-${n}`,
  status: 'open',
  firstSeen: '2026-12-01T00:00:00.000Z',
  lastNotified: n % 2 === 0 ? '2026-12-02T00:00:00.000Z' : undefined,
  version: n,
  policyId: `policy-${n % 3}`,
  accountId: '111111111111',
  region: 'us-east-1',
  roomArn: `arn:aws:ivschat:us-east-1:111111111111:room/r${n}`,
  message: `message ${n % 5}`,
  ...extra,
});

describe('StoredStates (the stored findings held column-wise)', () => {
  it('answers like a map of the rows it was built from, past its first growth', () => {
    const builder = new StoredStatesBuilder();
    const rows = Array.from({ length: 3000 }, (_, n) => row(n));
    for (const r of rows) builder.add(r);
    const states = builder.build();
    expect(states.size).toBe(3000);
    expect([...states.keys()]).toEqual(rows.map((r) => r.fingerprint));
    for (const r of [rows[0], rows[1], rows[2999]] as StoredStateRow[]) {
      const state = states.get(r.fingerprint);
      expect(state).toMatchObject({
        fingerprint: r.fingerprint,
        status: r.status,
        firstSeen: r.firstSeen,
        lastNotified: r.lastNotified,
        version: r.version,
      });
      expect(state?.finding).toEqual(
        expect.objectContaining({
          policyId: r.policyId,
          accountId: r.accountId,
          region: r.region,
          roomArn: r.roomArn,
          message: r.message,
        }),
      );
    }
    expect(states.has('fp-12')).toBe(true);
    expect(states.get('fp-3000')).toBeUndefined();
    expect(states.has('fp-3000')).toBe(false);
    expect([...states.values()].map((s) => s.version)).toEqual(rows.map((r) => r.version));
    expect([...states].map(([k, v]) => [k, v.fingerprint])).toEqual(
      rows.map((r) => [r.fingerprint, r.fingerprint]),
    );
    const seen: string[] = [];
    states.forEach((value, key, map) => {
      expect(map).toBe(states);
      seen.push(`${key}=${value.status}`);
    });
    expect(seen).toHaveLength(3000);
  });

  it('keeps the last row of a fingerprint added twice, owed sinks included or cleared', () => {
    const builder = new StoredStatesBuilder();
    builder.add(row(1, { pendingSinks: ['sns'] }));
    builder.add(row(2));
    builder.add(row(1, { status: 'resolved', version: 9, pendingSinks: undefined }));
    builder.add(row(2, { pendingSinks: ['securityhub', 'sns'] }));
    const states = builder.build();
    expect(states.size).toBe(2);
    expect(states.get('fp-1')).toMatchObject({ status: 'resolved', version: 9 });
    expect(states.get('fp-1')).not.toHaveProperty('pendingSinks');
    expect(states.get('fp-2')?.pendingSinks).toEqual(['securityhub', 'sns']);
  });

  it('keeps a status of no known kind as it was read (the lifecycle then treats the finding as not open)', () => {
    const builder = new StoredStatesBuilder();
    builder.add(row(1, { status: 'bogus' as 'open' }));
    builder.add(row(2));
    builder.add(row(2, { status: 'paused' as 'open' }));
    builder.add(row(2, { status: 'exempt' }));
    const states = builder.build();
    expect(states.get('fp-1')?.status).toBe('bogus');
    expect(states.get('fp-2')?.status).toBe('exempt');
  });

  it('keeps every status and a missing lastNotified apart', () => {
    const statuses = ['open', 'resolved', 'exempt'] as const;
    const one = statuses.map((status, n) => storedState(row(n, { status, lastNotified: undefined })));
    expect(one.map((s) => s.status)).toEqual([...statuses]);
    expect(one.every((s) => s.lastNotified === undefined)).toBe(true);
  });
});
