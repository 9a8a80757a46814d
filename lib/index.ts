/**
 * The construct library's public API: the auditor construct and its props, the two stacks, the app
 * that `bin/app.ts` synthesizes, the settings table the context keys come from, and the names a user
 * of the construct may need to match (roles the member stack trusts, the metrics' namespace), and
 * the `IvsChatPolicyChecks` Aspect for applications that declare rooms. The parts under
 * `lib/auditor/` are internals: reachable by path, not promised.
 */
export { buildApp, STACK_NAME } from './app.js';
export type { SlackChannelProps } from './auditor/alerts.js';
export type { AuditorChanges, ChangeForwarding } from './auditor/changes.js';
export type { FunctionNetworkProps } from './auditor/network.js';
export { type AuditorConfig, InvalidContextError, readConfig, SETTINGS, type SettingName } from './config.js';
export {
  AUDITOR_CHANGE_ROLE_NAME,
  AUDITOR_FUNCTION_ROLE_NAME,
  IvsChatAuditor,
  METRICS_NAMESPACE,
  SERVICE_NAME,
} from './ivschat-auditor.js';
export { IvsChatAuditorStack, type IvsChatAuditorStackProps } from './ivschat-auditor-stack.js';
export {
  IvsChatAuditorMemberStack,
  type IvsChatAuditorMemberStackProps,
  MEMBER_STACK_NAME,
} from './member-stack.js';
export {
  ANNOTATION_PREFIX,
  IvsChatPolicyChecks,
  type IvsChatPolicyChecksProps,
  type PolicyAcknowledgement,
} from './policy-checks.js';
export {
  type AuditorAlertProps,
  type AuditorChangeEventProps,
  type AuditorMemberProps,
  type AuditorRemediationProps,
  type AuditorStateProps,
  InvalidPropsError,
  type IvsChatAuditorProps,
} from './props.js';
