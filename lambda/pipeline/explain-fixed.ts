/**
 * "fixed by the auditor (<changeId>)" on resolved findings: the scheduled state-machine run and the
 * change path both explain the findings their audit resolved from the remediation trail.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Finding, Target } from '../core/types.js';
import { markFixedByAuditor } from '../remediate/deployed.js';
import type { TrailEntry } from '../remediate/trail.js';
import { type TableTrail, unreportedWrites } from '../remediate/trail-table.js';

/**
 * Marks the findings this audit resolved that the auditor's own remediation fixed since they were
 * first seen. Best effort: without the trail they resolve unexplained.
 */
export async function explainFixed(
  trail: TableTrail,
  logger: Logger,
  target: Target,
  resolved: readonly Finding[],
  /** Also return the writes no delivered alert listed since this time (ISO 8601), read in the same query. */
  unreportedFrom?: string,
): Promise<TrailEntry[]> {
  const unexplained = resolved.filter((f) => !f.resolvedReason);
  // ISO 8601 strings of one format sort as their instants do.
  const from = [
    ...unexplained.map((f) => f.firstSeen),
    ...(unreportedFrom ? [unreportedFrom] : []),
  ].sort()[0];
  if (from === undefined) return [];
  try {
    const items = await trail.read(from);
    markFixedByAuditor(
      unexplained,
      items.map(({ entry }) => entry),
    );
    return unreportedFrom ? unreportedWrites(items.filter(({ entry }) => entry.time >= unreportedFrom)) : [];
  } catch (error) {
    logger.warn('remediation trail not read', { ...target, error: error as Error });
    return [];
  }
}
