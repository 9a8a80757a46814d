/**
 * The function's environment that is not a setting (the names the stack and the Lambda share for
 * what the stack created, and the libraries' variables), and the one fallback for the auditor's name.
 */
import { SERVICE_NAME } from '../core/metric-names.js';

/**
 * Function environment that is wiring, not a setting: the stack fills it from the resources it
 * creates, and `lambda/runtime/config.ts` reads it by these names.
 */
export const WIRING_ENV = {
  topicArn: 'ALERT_TOPIC_ARN',
  stateTableName: 'STATE_TABLE_NAME',
  policiesDir: 'POLICIES_DIR',
  /** Names this auditor in its metrics' `Auditor` dimension: two auditors in one account keep apart. */
  auditorName: 'AUDITOR_NAME',
  /**
   * The audit function's role name (`path/name` when the role has a path): a change event whose caller
   * is a session of this role in the auditor's account (or of the member role) is the auditor's own
   * remediation, not drift. The change function is given the audit function's role here.
   */
  functionRoleName: 'FUNCTION_ROLE_NAME',
  /** The audit function role's full ARN (path included), on both functions. */
  functionRoleArn: 'FUNCTION_ROLE_ARN',
  /** The bucket the run's HTML report goes to (setting `reportBucket`, given or created). */
  reportBucket: 'REPORT_BUCKET',
} as const;

/** Wiring the stack sets only when its feature is on (the default template stays as it was). */
export const OPTIONAL_WIRING_ENV: readonly string[] = [WIRING_ENV.reportBucket];

/**
 * Environment the stack sets for the runtime and libraries the function runs (Powertools, Node, V8,
 * glibc), not for the audit: NODE_HEAP_GROWING_PERCENT is V8's, set by lambda/runtime/heap.ts since
 * Node takes no such option in NODE_OPTIONS.
 */
export const LIBRARY_ENV = [
  'POWERTOOLS_SERVICE_NAME',
  'POWERTOOLS_METRICS_NAMESPACE',
  'NODE_OPTIONS',
  'MALLOC_ARENA_MAX',
  'NODE_HEAP_GROWING_PERCENT',
] as const;

/**
 * The auditor's name for its metrics' `Auditor` dimension: the stack's `AUDITOR_NAME`, or the
 * product's name where nothing set it (a function deployed by hand, a test).
 */
export function auditorNameOf(env: Readonly<Record<string, string | undefined>>): string {
  return env[WIRING_ENV.auditorName]?.trim() || SERVICE_NAME;
}
