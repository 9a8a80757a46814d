import { describe, expect, it } from 'vitest';
import { progressDisplay, progressLine } from '../../lambda/cli/progress.js';
import { joinParts } from '../../lambda/render/terminal.js';

const listing = (listed: number) => ({ listing: true, listed, audited: 0, toFetch: listed });
const fetching = (listed: number, audited: number) => ({
  listing: false,
  listed,
  audited,
  toFetch: listed - audited,
});

describe('progressLine', () => {
  it('shows each region, and no ETA while a region is still listing', () => {
    const line = progressLine(
      new Map([
        ['us-east-1', fetching(300, 120)],
        ['eu-west-1', listing(50)],
      ]),
      4,
    );
    expect(line).toBe('us-east-1 120/300 audited · eu-west-1 listing, 50 rooms so far');
  });

  it('takes the ETA from the slowest region at the API budget (regions run in parallel)', () => {
    const line = progressLine(
      new Map([
        ['us-east-1', fetching(300, 120)],
        ['eu-west-1', fetching(50, 49)],
      ]),
      4,
    );
    expect(line).toBe('us-east-1 120/300 audited · eu-west-1 49/50 audited · ETA 45 s');
  });

  it('counts the rooms still queued on the API budget in the ETA, not only those not yet handed out', () => {
    // 8 workers each hold a room waiting for its turn at 2 calls per second: 10 rooms, 5 s left.
    const queued = { listing: false, listed: 50, audited: 40, toFetch: 2 };
    expect(progressLine(new Map([['us-east-1', queued]]), 2)).toBe('us-east-1 40/50 audited · ETA 5 s');
  });
});

describe('progressDisplay', () => {
  it('rewrites the line at most once per interval, and clears it when done', () => {
    let clock = 0;
    const written: string[] = [];
    const display = progressDisplay({
      write: (t) => written.push(joinParts(t)),
      apiBudgetTps: 4,
      now: () => clock,
    });
    display.update('us-east-1', listing(50));
    clock = 400;
    display.update('us-east-1', fetching(50, 1));
    clock = 1000;
    display.update('us-east-1', fetching(50, 2));
    display.done();
    expect(written).toEqual([
      '\r\x1b[Kus-east-1 listing, 50 rooms so far',
      '\r\x1b[Kus-east-1 2/50 audited · ETA 12 s',
      '\r\x1b[K',
    ]);
  });

  it('writes nothing at all when nothing happened', () => {
    const written: string[] = [];
    progressDisplay({ write: (t) => written.push(joinParts(t)), apiBudgetTps: 4 }).done();
    expect(written).toEqual([]);
  });
});
