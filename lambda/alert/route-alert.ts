/**
 * A run's alert cut down to one alert route (policies/routes.json): only the findings routed there.
 * The run's own notes (targets not audited, remediation, the org-wide report's link) go to the
 * default route alone, the deployment's operators; a team's topic hears of its rooms and nothing else
 * (its errors and not-evaluated notes too are cut to its own rooms).
 */
import type { Finding, Report } from '../core/types.js';
import { DEFAULT_ROUTE } from '../policy/routes.js';
import type { Alert } from './alert.js';

/**
 * Whether `finding` goes to `route`. A finding without routes (recorded before the routes file, or
 * by a run without one) goes to the default route. With `known` (the route ids that have a sink), a
 * finding none of whose routes is known (its route was removed or renamed since, or its owner value
 * left the allow-list) goes to the default route too: it is told to someone rather than to nobody.
 */
export function onRoute(
  finding: Pick<Finding, 'routes'>,
  route: string,
  known?: ReadonlySet<string>,
): boolean {
  const { routes } = finding;
  const routed = routes !== undefined && (known === undefined || routes.some((r) => known.has(r)));
  return routed ? routes.includes(route) : route === DEFAULT_ROUTE;
}

/**
 * The alert as `route` receives it. The report's findings are cut too (renderers count them).
 * `known`: the route ids that have a sink (see onRoute).
 */
export function alertForRoute(alert: Alert, route: string, known?: ReadonlySet<string>): Alert {
  const mine = (list: readonly Finding[]) => list.filter((f) => onRoute(f, route, known));
  const isDefault = route === DEFAULT_ROUTE;
  const { notAudited, remediation, exemptedFindings, reportUrl, ...rest } = alert;
  const findings = mine(alert.report.findings);
  const counted = alert.report.unchangedOpen?.filter((entry) => onRoute(entry, route, known));
  const report = { ...alert.report, findings, ...(counted ? { unchangedOpen: counted } : {}) };
  return {
    ...rest,
    newFindings: mine(alert.newFindings),
    resolvedFindings: mine(alert.resolvedFindings),
    reminders: mine(alert.reminders),
    ...(exemptedFindings ? { exemptedFindings: mine(exemptedFindings) } : {}),
    report: isDefault ? report : teamReport(report),
    ...(isDefault && notAudited ? { notAudited } : {}),
    ...(isDefault && remediation ? { remediation } : {}),
    // The link opens the whole run's report, every team's rooms: the operators' alone.
    ...(isDefault && reportUrl !== undefined ? { reportUrl } : {}),
  };
}

/**
 * A team's view of the run's report: its findings, and only the errors and not-evaluated notes about
 * rooms it has findings on (an error naming no room, or another team's, is the operators' to read).
 */
function teamReport(report: Report): Report {
  const rooms = new Set(report.findings.map((f) => f.roomArn));
  const { notEvaluated, ...rest } = report;
  const notes = (notEvaluated ?? [])
    .map((n) => ({ ...n, rooms: n.rooms.filter((arn) => rooms.has(arn)) }))
    .filter((n) => n.rooms.length > 0);
  return {
    ...rest,
    errors: report.errors.filter((e) => e.roomArn !== undefined && rooms.has(e.roomArn)),
    ...(notEvaluated ? { notEvaluated: notes } : {}),
  };
}
