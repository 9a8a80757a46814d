import type { InventoryProgress } from '../aws/inventory.js';
import { TERMINAL, type TerminalText } from '../render/terminal.js';

export interface ProgressOptions {
  /** Where the line goes (stderr, and only when it is a terminal). */
  write: (text: TerminalText) => void;
  /** Calls per second per region and operation: with the rooms left, it gives the ETA. */
  apiBudgetTps: number;
  /** Milliseconds; injectable for tests. */
  now?: () => number;
  /** At most one line per this many milliseconds. */
  intervalMs?: number;
}

export interface ProgressDisplay {
  update(region: string, progress: InventoryProgress): void;
  /** Clears the line, so the report that follows starts on a clean one. */
  done(): void;
}

/**
 * A live audit's one-line progress on a terminal, rewritten in place at most once a second:
 * per region rooms listed and audited, and an ETA once every region has finished listing
 * (regions run in parallel, each at the API budget, so the slowest region decides it).
 */
export function progressDisplay(options: ProgressOptions): ProgressDisplay {
  const now = options.now ?? Date.now;
  const intervalMs = options.intervalMs ?? 1000;
  const regions = new Map<string, InventoryProgress>();
  let lastWrite = Number.NEGATIVE_INFINITY;
  let shown = false;
  return {
    update(region, progress) {
      regions.set(region, progress);
      const t = now();
      if (t - lastWrite < intervalMs) return;
      lastWrite = t;
      shown = true;
      options.write([TERMINAL.clearLine, progressLine(regions, options.apiBudgetTps)]);
    },
    done() {
      if (shown) options.write([TERMINAL.clearLine]);
    },
  };
}

/** e.g. `us-east-1 120/300 audited · eu-west-1 listing, 50 rooms so far · ETA 45 s` */
export function progressLine(regions: ReadonlyMap<string, InventoryProgress>, apiBudgetTps: number): string {
  const parts: string[] = [];
  let listing = false;
  let slowest = 0;
  for (const [region, p] of regions) {
    listing ||= p.listing;
    // Not p.toFetch: rooms already handed to a worker may still wait on the API budget.
    slowest = Math.max(slowest, p.listed - p.audited);
    parts.push(
      p.listing
        ? `${region} listing, ${p.listed} rooms so far`
        : `${region} ${p.audited}/${p.listed} audited`,
    );
  }
  if (!listing) parts.push(`ETA ${Math.ceil(slowest / apiBudgetTps)} s`);
  return parts.join(' · ');
}
