/**
 * Findings a run counts instead of holding (Report.unchangedOpen): the scheduled run's steady state
 * finds most of its findings again exactly as stored, and holding each of them (145,823 objects at
 * 50,000 rooms) was the largest part of its memory. The lifecycle decides which ones may go
 * (`leftAsStored`); this remembers which were met, so `decide` neither resolves nor lists them.
 */
import { type Hold, type LifecycleOptions, leftAsStored, type StoredState } from '../audit/lifecycle.js';
import type { Finding } from '../core/types.js';
import { type FingerprintMarks, StoredStates } from '../state/stored-states.js';

export class HeldFindings {
  private readonly marks: FingerprintMarks;

  constructor(
    previous: ReadonlyMap<string, StoredState>,
    private readonly lifecycle: LifecycleOptions,
  ) {
    this.marks = previous instanceof StoredStates ? previous.marks() : setMarks(previous);
  }

  /** Whether the inventory may count `finding` (stored as `before`) and let it go. */
  readonly hold = (finding: Finding, before: StoredState): Hold => {
    if (this.marks.has(before.fingerprint)) return 'repeated';
    if (!leftAsStored(finding, before, this.lifecycle)) return undefined;
    this.marks.add(before.fingerprint);
    return 'counted';
  };

  has(fingerprint: string): boolean {
    return this.marks.has(fingerprint);
  }
}

/** The marks of a store that keeps its state as a plain map (the CLI's file, tests). */
function setMarks(previous: ReadonlyMap<string, StoredState>): FingerprintMarks {
  const marked = new Set<string>();
  return {
    add(fingerprint) {
      if (!previous.has(fingerprint) || marked.has(fingerprint)) return false;
      marked.add(fingerprint);
      return true;
    },
    has: (fingerprint) => marked.has(fingerprint),
  };
}
