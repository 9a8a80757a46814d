/**
 * A run's alert cut down to one alert route (policies/routes.json): only the findings routed there.
 * The run's own notes (targets not audited, remediation) go to the default route alone, the
 * deployment's operators; a team's topic hears of its rooms and nothing else.
 */
import type { Finding } from '../core/types.js';
import { DEFAULT_ROUTE } from '../policy/routes.js';
import type { Alert } from './alert.js';

/**
 * Whether `finding` goes to `route`. A finding without routes (recorded before the routes file, or
 * by a run without one) goes to the default route.
 */
export function onRoute(finding: Pick<Finding, 'routes'>, route: string): boolean {
  const { routes } = finding;
  return routes === undefined ? route === DEFAULT_ROUTE : routes.includes(route);
}

/** The alert as `route` receives it. The report's findings are cut too (renderers count them). */
export function alertForRoute(alert: Alert, route: string): Alert {
  const mine = (list: readonly Finding[]) => list.filter((f) => onRoute(f, route));
  const isDefault = route === DEFAULT_ROUTE;
  const { notAudited, remediation, exemptedFindings, ...rest } = alert;
  return {
    ...rest,
    newFindings: mine(alert.newFindings),
    resolvedFindings: mine(alert.resolvedFindings),
    reminders: mine(alert.reminders),
    ...(exemptedFindings ? { exemptedFindings: mine(exemptedFindings) } : {}),
    report: { ...alert.report, findings: mine(alert.report.findings) },
    ...(isDefault && notAudited ? { notAudited } : {}),
    ...(isDefault && remediation ? { remediation } : {}),
  };
}
