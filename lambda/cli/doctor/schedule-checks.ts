/**
 * The deployment itself: its stack's status, the schedule rule, the state machine's last executions
 * against the schedule's interval, and the auditor's alarms.
 */
import { DescribeAlarmsCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { DescribeRuleCommand } from '@aws-sdk/client-eventbridge';
import { type ExecutionListItem, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { type CheckResult, check } from './check.js';
import { type DoctorContext, duration, sendOptions } from './context.js';

/** A run may start this much after its interval and still count as on time (EventBridge, a long audit). */
const GRACE_SECONDS = 15 * 60;
/** How many of the newest executions are read: enough to find the last finished one behind a running one. */
const EXECUTIONS_READ = 10;

export function stackCheck(ctx: DoctorContext): CheckResult {
  const { stackName, stackStatus, region } = ctx.deployment;
  const evidence = [`stack ${stackName} in ${region}: ${stackStatus}`];
  if (/_FAILED$|^ROLLBACK_COMPLETE$|^DELETE_/.test(stackStatus))
    return check(
      'stack',
      'Stack',
      'fail',
      evidence,
      `see the stack's events: aws cloudformation describe-stack-events --stack-name ${stackName} --region ${region}; then cdk deploy`,
    );
  if (/ROLLBACK|_IN_PROGRESS$/.test(stackStatus))
    return check(
      'stack',
      'Stack',
      'warn',
      evidence,
      `the last update did not complete: aws cloudformation describe-stack-events --stack-name ${stackName} --region ${region}`,
    );
  return check('stack', 'Stack', 'pass', evidence);
}

export async function scheduleCheck(ctx: DoctorContext): Promise<CheckResult> {
  const { schedule, stateMachineArn, region } = ctx.deployment;
  const title = 'Scheduled audits';
  const rule = await ctx.clients
    .get('events', region)
    .send(new DescribeRuleCommand({ Name: schedule.ruleName }), sendOptions(ctx));
  const evidence = [
    `schedule ${schedule.expression} (rule ${schedule.ruleName}: ${rule.State ?? 'unknown'})`,
  ];
  if (rule.State !== 'ENABLED')
    return check(
      'schedule',
      title,
      'fail',
      evidence,
      `aws events enable-rule --name ${schedule.ruleName} --region ${region}`,
    );

  const { executions = [] } = await ctx.clients
    .get('states', region)
    .send(new ListExecutionsCommand({ stateMachineArn, maxResults: EXECUTIONS_READ }), sendOptions(ctx));
  const finished = executions.find((e) => e.status !== 'RUNNING');
  const running = executions.find((e) => e.status === 'RUNNING');
  if (running) evidence.push(`running now: ${running.name} (started ${ago(ctx, running.startDate)} ago)`);
  const interval = schedule.intervalSeconds;
  const fix = `start a run now and watch it: aws stepfunctions start-execution --state-machine-arn ${stateMachineArn} --region ${region}`;
  if (!finished) {
    evidence.push(`no finished execution among the newest ${EXECUTIONS_READ}`);
    return check('schedule', title, running ? 'warn' : 'fail', evidence, running ? undefined : fix);
  }
  const age = secondsSince(ctx, finished.stopDate ?? finished.startDate);
  evidence.push(
    `last finished: ${finished.name} ${finished.status}, ${duration(age)} ago (interval ${duration(interval)})`,
  );
  if (finished.status !== 'SUCCEEDED')
    return check(
      'schedule',
      title,
      'fail',
      evidence,
      `see why it failed: aws stepfunctions describe-execution --execution-arn ${executionArn(finished)} --region ${region}`,
    );
  if (age > 2 * interval + GRACE_SECONDS) return check('schedule', title, 'fail', evidence, fix);
  if (age > interval + GRACE_SECONDS) return check('schedule', title, 'warn', evidence, fix);
  return check('schedule', title, 'pass', evidence);
}

export async function alarmsCheck(ctx: DoctorContext): Promise<CheckResult> {
  const { alarmNames, region } = ctx.deployment;
  const title = "The auditor's alarms";
  const alarms: MetricAlarm[] = [];
  // DescribeAlarms takes at most 100 names; the stack has seven.
  for (let i = 0; i < alarmNames.length; i += 100) {
    let token: string | undefined;
    do {
      const page = await ctx.clients.get('cloudwatch', region).send(
        new DescribeAlarmsCommand({
          AlarmNames: alarmNames.slice(i, i + 100),
          ...(token ? { NextToken: token } : {}),
        }),
        sendOptions(ctx),
      );
      alarms.push(...(page.MetricAlarms ?? []));
      token = page.NextToken;
    } while (token);
  }
  const firing = alarms.filter((a) => a.StateValue === 'ALARM');
  const missing = alarmNames.filter((name) => !alarms.some((a) => a.AlarmName === name));
  const evidence = [
    `${alarms.length} of ${alarmNames.length} alarms found; ${firing.length} in ALARM`,
    ...firing.map(
      (a) =>
        `${a.AlarmName}: ALARM since ${a.StateUpdatedTimestamp?.toISOString() ?? '?'}: ${a.StateReason ?? ''}`,
    ),
    ...missing.map((name) => `${name}: not found`),
  ];
  if (firing.length > 0)
    return check(
      'alarms',
      title,
      'fail',
      evidence,
      `see each alarm's history: aws cloudwatch describe-alarm-history --alarm-name <name> --region ${region}; its README section says what each means`,
    );
  if (missing.length > 0)
    return check('alarms', title, 'warn', evidence, 'cdk deploy the stack again: an alarm it made is gone');
  return check('alarms', title, 'pass', evidence);
}

function secondsSince(ctx: DoctorContext, at: Date | undefined): number {
  return at ? (ctx.now.getTime() - at.getTime()) / 1000 : Number.POSITIVE_INFINITY;
}

const ago = (ctx: DoctorContext, at: Date | undefined) => duration(secondsSince(ctx, at));

const executionArn = (e: ExecutionListItem) => e.executionArn ?? e.name ?? '';
