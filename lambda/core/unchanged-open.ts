/**
 * Counting findings instead of holding them (Report.unchangedOpen): a tally per distinct routes list
 * and severity, merged across regions, and the totals every count of a report includes.
 */
import { type Finding, type Report, SEVERITIES, type Severity, type UnchangedOpen } from './types.js';

/** Counts findings per routes list (Finding.routes arrays are shared per distinct list). */
export class UnchangedTally {
  private readonly byRoutes = new Map<readonly string[] | undefined, UnchangedOpen>();

  add(finding: Pick<Finding, 'routes' | 'severity'>): void {
    this.addCounts(finding.routes, 1, { [finding.severity]: 1 });
  }

  /** Adds a tally of another region, matching routes lists by their ids. */
  merge(entries: readonly UnchangedOpen[] | undefined): void {
    for (const entry of entries ?? []) this.addCounts(entry.routes, entry.count, entry.bySeverity);
  }

  entries(): UnchangedOpen[] {
    return [...this.byRoutes.values()];
  }

  get size(): number {
    return this.byRoutes.size;
  }

  private addCounts(
    routes: readonly string[] | undefined,
    count: number,
    bySeverity: Partial<Record<Severity, number>>,
  ): void {
    const key = this.keyOf(routes);
    let entry = this.byRoutes.get(key);
    if (!entry) {
      entry = { ...(key ? { routes: key } : {}), count: 0, bySeverity: zeros() };
      this.byRoutes.set(key, entry);
    }
    entry.count += count;
    for (const severity of SEVERITIES) entry.bySeverity[severity] += bySeverity[severity] ?? 0;
  }

  /** The list already used for the same ids (lists from different regions are different arrays). */
  private keyOf(routes: readonly string[] | undefined): readonly string[] | undefined {
    if (!routes || this.byRoutes.has(routes)) return routes;
    const ids = routes.join('\n');
    for (const known of this.byRoutes.keys()) if (known?.join('\n') === ids) return known;
    return routes;
  }
}

function zeros(): Record<Severity, number> {
  return Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
}

/** Findings a report counts but does not list. */
export function unchangedCount(report: Pick<Report, 'unchangedOpen'>): number {
  return (report.unchangedOpen ?? []).reduce((n, e) => n + e.count, 0);
}

/** Findings a report counts but does not list, per severity. */
export function unchangedBySeverity(report: Pick<Report, 'unchangedOpen'>): Record<Severity, number> {
  const total = zeros();
  for (const entry of report.unchangedOpen ?? []) {
    for (const severity of SEVERITIES) total[severity] += entry.bySeverity[severity];
  }
  return total;
}
