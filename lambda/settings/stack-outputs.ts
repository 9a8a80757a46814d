/**
 * The auditor stack's CloudFormation outputs: one name per output, written by `lib/` and read back by
 * the CLI (`cli/deployment.ts`) for `doctor` and `selftest`. One table, so the two cannot drift.
 */

/** Output keys of the auditor stack. Values are strings; lists are comma-joined. */
export const STACK_OUTPUT = {
  alertsTopicArn: 'AlertsTopicArn',
  stateTableName: 'StateTableName',
  stateMachineArn: 'StateMachineArn',
  functionName: 'FunctionName',
  dashboardName: 'DashboardName',
  deadLetterQueueUrl: 'DeadLetterQueueUrl',
  scheduleRuleName: 'ScheduleRuleName',
  auditSchedule: 'AuditSchedule',
  auditIntervalSeconds: 'AuditIntervalSeconds',
  alarmNames: 'AlarmNames',
  auditedRegions: 'AuditedRegions',
  auditedAccounts: 'AuditedAccounts',
  memberRoleName: 'MemberRoleName',
  alertSinks: 'AlertSinks',
  alertEmailCount: 'AlertEmailCount',
  eventBus: 'EventBus',
  /** With `reportBucket`: the bucket each run's HTML report goes to. */
  reportBucket: 'ReportBucket',
  changeRuleName: 'ChangeRuleName',
  changeQueueUrl: 'ChangeQueueUrl',
  changeDeadLetterQueueUrl: 'ChangeDeadLetterQueueUrl',
} as const;

/** The outputs every auditor stack has; the change outputs, `EventBus` and `ReportBucket` depend on settings. */
export const REQUIRED_STACK_OUTPUTS = [
  STACK_OUTPUT.alertsTopicArn,
  STACK_OUTPUT.stateTableName,
  STACK_OUTPUT.stateMachineArn,
  STACK_OUTPUT.functionName,
  STACK_OUTPUT.deadLetterQueueUrl,
  STACK_OUTPUT.scheduleRuleName,
  STACK_OUTPUT.auditSchedule,
  STACK_OUTPUT.auditIntervalSeconds,
  STACK_OUTPUT.alarmNames,
  STACK_OUTPUT.auditedRegions,
  STACK_OUTPUT.auditedAccounts,
  STACK_OUTPUT.memberRoleName,
  STACK_OUTPUT.alertSinks,
  STACK_OUTPUT.alertEmailCount,
] as const;

/** The words of the `AlertSinks` output: where alerts go besides the topic itself. */
export const ALERT_SINK = {
  email: 'email',
  slack: 'slack',
  securityHub: 'securityhub',
  eventBridge: 'eventbridge',
} as const;
export type AlertSinkName = (typeof ALERT_SINK)[keyof typeof ALERT_SINK];

/** `AlertSinks` when nothing but the topic is configured (CloudFormation refuses an empty output value). */
export const NO_ALERT_SINKS = 'none';
