import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import {
  AUDITOR_DIMENSION,
  findingsBySeverityMetric,
  METRIC,
  METRICS_NAMESPACE,
  SERVICE_NAME,
} from '../../lambda/core/metric-names.js';
import { SEVERITIES } from '../../lambda/core/types.js';
import { CHAT_READ_ACTIONS } from './permissions.js';

/** The longest a single audit-target invocation may run: the function timeout. */
const INVOCATION_SECONDS = 15 * 60;

export interface MonitoringProps {
  /** The `Auditor` dimension value every metric of this auditor carries (its AUDITOR_NAME). */
  readonly auditorName: string;
  readonly function: lambda.IFunction;
  readonly logGroup: logs.ILogGroup;
  readonly stateMachine: sfn.IStateMachine;
  readonly deadLetterQueue: sqs.IQueue;
  readonly topic: sns.ITopic;
  /** The expected time between runs. */
  readonly interval: Duration;
  /** Alarm when a target has not been audited this many runs in a row. */
  readonly targetFailureAlarmRuns: number;
  /** Calls per second per operation and target, drawn on the API-calls graph. */
  readonly apiBudgetTps: number;
  /** The change path's queues (`changeEvents=true`): alarmed, and graphed on the dashboard. @default - none */
  readonly changeQueues?: ChangeQueues;
}

export interface ChangeQueues {
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
}

/**
 * A change event older than this has not been processed: a batch window is at most 5 minutes and a
 * batch at most 5 minutes, so it is waiting on a failing or throttled change function.
 */
export const CHANGE_QUEUE_AGE_ALARM = Duration.minutes(15);

/**
 * The alarms (all notify the alerts topic) and the dashboard. Every custom metric is read with this
 * auditor's `Auditor` dimension, so two auditors in one account never share an alarm or a graph.
 */
export class AuditorMonitoring {
  readonly errorsAlarm: cloudwatch.Alarm;
  readonly missedAuditAlarm: cloudwatch.Alarm;
  readonly deadLetterAlarm: cloudwatch.Alarm;
  readonly targetFailureAlarm: cloudwatch.Alarm;
  readonly executionsFailedAlarm: cloudwatch.Alarm;
  /** The oldest change event waited `CHANGE_QUEUE_AGE_ALARM` or more (`changeEvents=true` only). */
  readonly changeQueueAgeAlarm?: cloudwatch.Alarm;
  /** Anything in the change dead-letter queue (`changeEvents=true` only). */
  readonly changeDeadLetterAlarm?: cloudwatch.Alarm;
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, props: MonitoringProps) {
    const metric = auditorMetric(props.auditorName);
    const intervalPeriod = Duration.seconds(Math.min(roundUpToMinute(props.interval.toSeconds()), 86400));
    const run = runAlarms(scope, props, metric, intervalPeriod);
    this.errorsAlarm = run.errorsAlarm;
    this.missedAuditAlarm = run.missedAuditAlarm;
    this.deadLetterAlarm = run.deadLetterAlarm;
    this.targetFailureAlarm = run.targetFailureAlarm;
    this.executionsFailedAlarm = executionsFailedAlarm(scope, props.stateMachine);
    const changes = props.changeQueues ? changeQueueAlarms(scope, props.changeQueues) : undefined;
    if (changes) {
      this.changeQueueAgeAlarm = changes.changeQueueAgeAlarm;
      this.changeDeadLetterAlarm = changes.changeDeadLetterAlarm;
    }

    const notify = new cwActions.SnsAction(props.topic);
    for (const alarm of [
      this.errorsAlarm,
      this.missedAuditAlarm,
      this.deadLetterAlarm,
      this.targetFailureAlarm,
      this.executionsFailedAlarm,
      ...(this.changeQueueAgeAlarm ? [this.changeQueueAgeAlarm] : []),
      ...(this.changeDeadLetterAlarm ? [this.changeDeadLetterAlarm] : []),
    ]) {
      alarm.addAlarmAction(notify);
    }
    // Tell the on-call person when audits are running again.
    this.missedAuditAlarm.addOkAction(notify);

    this.dashboard = auditorDashboard(scope, props, metric, intervalPeriod);
  }
}

/** The metrics this auditor's handler emits, read with exactly its dimensions. */
function auditorMetric(auditorName: string): MetricFactory {
  return (metricName, statistic, period, label) =>
    new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName,
      // Exactly what the handler emits: Powertools adds `service`, the handler adds `Auditor`.
      dimensionsMap: { service: SERVICE_NAME, [AUDITOR_DIMENSION]: auditorName },
      statistic,
      period,
      ...(label ? { label } : {}),
    });
}

/** The alarms on the audit itself: the function failing, runs missing, dead letters, a target failing run after run. */
function runAlarms(
  scope: Construct,
  props: MonitoringProps,
  metric: MetricFactory,
  intervalPeriod: Duration,
): Pick<AuditorMonitoring, 'errorsAlarm' | 'missedAuditAlarm' | 'deadLetterAlarm' | 'targetFailureAlarm'> {
  const errorsAlarm = props.function
    .metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM })
    .createAlarm(scope, 'ErrorsAlarm', {
      alarmDescription: 'The IVS Chat audit function failed; see its log group for the error.',
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

  // CloudWatch periods above a day are not useful here; split long intervals into day periods.
  const evaluationPeriods = Math.ceil((2 * props.interval.toSeconds()) / intervalPeriod.toSeconds());
  const missedAuditAlarm = metric(METRIC.auditSucceeded, cloudwatch.Stats.SUM, intervalPeriod).createAlarm(
    scope,
    'MissedAuditAlarm',
    {
      alarmDescription:
        'No complete IVS Chat audit run for two schedule intervals: the schedule, the state machine, the function or its permissions are broken, or targets keep failing.',
      threshold: 1,
      evaluationPeriods,
      datapointsToAlarm: evaluationPeriods,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      // No data at all is exactly the failure this alarm exists for.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    },
  );

  const deadLetterAlarm = props.deadLetterQueue
    .metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(5),
      statistic: cloudwatch.Stats.MAXIMUM,
    })
    .createAlarm(scope, 'DeadLetterAlarm', {
      alarmDescription:
        'Schedule events, audit invocations or alert deliveries failed and were parked in the dead-letter queue.',
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

  const targetFailureAlarm = metric(
    METRIC.maxConsecutiveTargetFailures,
    cloudwatch.Stats.MAXIMUM,
    intervalPeriod,
  ).createAlarm(scope, 'TargetFailureAlarm', {
    alarmDescription: `A target (account × region) was not audited in ${props.targetFailureAlarmRuns} runs in a row; the run alert's "accounts not audited" section names it and the reason.`,
    threshold: props.targetFailureAlarmRuns,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    // Without runs there is no streak to report; the missed-audit alarm covers that case.
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  return { errorsAlarm, missedAuditAlarm, deadLetterAlarm, targetFailureAlarm };
}

/** A run (state machine execution) that failed, timed out or was aborted. */
function executionsFailedAlarm(scope: Construct, stateMachine: sfn.IStateMachine): cloudwatch.Alarm {
  const period = Duration.minutes(5);
  return new cloudwatch.MathExpression({
    expression: 'failed + timedOut + aborted',
    usingMetrics: {
      failed: stateMachine.metricFailed({ period, statistic: cloudwatch.Stats.SUM }),
      timedOut: stateMachine.metricTimedOut({ period, statistic: cloudwatch.Stats.SUM }),
      aborted: stateMachine.metricAborted({ period, statistic: cloudwatch.Stats.SUM }),
    },
    label: 'Runs failed, timed out or aborted',
    period,
  }).createAlarm(scope, 'ExecutionsFailedAlarm', {
    alarmDescription:
      'An audit run (state machine execution) failed, timed out or was aborted; its execution history shows the step.',
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}

/** The change path's alarms: events waiting too long, events parked in its dead-letter queue. */
function changeQueueAlarms(
  scope: Construct,
  changeQueues: ChangeQueues,
): { changeQueueAgeAlarm: cloudwatch.Alarm; changeDeadLetterAlarm: cloudwatch.Alarm } {
  const period = Duration.minutes(5);
  const { queue, deadLetterQueue } = changeQueues;
  const changeQueueAgeAlarm = queue
    .metricApproximateAgeOfOldestMessage({ period, statistic: cloudwatch.Stats.MAXIMUM })
    .createAlarm(scope, 'ChangeQueueAgeAlarm', {
      alarmDescription: `An IVS Chat change event has waited ${CHANGE_QUEUE_AGE_ALARM.toMinutes()} minutes or more in the change queue: the change function is failing or throttled (see its log group). The scheduled audit still finds the drift, later.`,
      threshold: CHANGE_QUEUE_AGE_ALARM.toSeconds(),
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  const changeDeadLetterAlarm = deadLetterQueue
    .metricApproximateNumberOfMessagesVisible({ period, statistic: cloudwatch.Stats.MAXIMUM })
    .createAlarm(scope, 'ChangeDeadLetterAlarm', {
      alarmDescription:
        'IVS Chat change events failed 5 times or could not be delivered and were parked in the change dead-letter queue; the scheduled audit still covers those rooms.',
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  return { changeQueueAgeAlarm, changeDeadLetterAlarm };
}

type MetricFactory = (
  metricName: string,
  statistic: string,
  period: Duration,
  label?: string,
) => cloudwatch.Metric;

function auditorDashboard(
  scope: Construct,
  props: MonitoringProps,
  metric: MetricFactory,
  runPeriod: Duration,
): cloudwatch.Dashboard {
  const hour = Duration.hours(1);
  const invocationPeriod = Duration.minutes(15);
  // What one invocation may call at most: both operations at the budget for the whole timeout.
  const invocationBudget = props.apiBudgetTps * CHAT_READ_ACTIONS.length * INVOCATION_SECONDS;
  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', {
    defaultInterval: Duration.days(7),
  });
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Open findings by severity',
      left: SEVERITIES.map((severity) =>
        metric(findingsBySeverityMetric(severity), cloudwatch.Stats.MAXIMUM, hour, severity),
      ),
      stacked: true,
      width: 12,
    }),
    new cloudwatch.LogQueryWidget({
      title: 'Open findings by account',
      logGroupNames: [props.logGroup.logGroupName],
      // One "findings by account" line per account and run, from the aggregate step.
      queryLines: [
        'fields @timestamp, accountId, open',
        'filter message = "findings by account"',
        'stats max(open) as openFindings by bin(1h), accountId',
      ],
      view: cloudwatch.LogQueryVisualizationType.LINE,
      width: 12,
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Targets per run',
      left: [
        metric(METRIC.targetsAudited, cloudwatch.Stats.SUM, runPeriod, 'audited'),
        metric(METRIC.targetsNotAudited, cloudwatch.Stats.SUM, runPeriod, 'not audited'),
      ],
      view: cloudwatch.GraphWidgetView.BAR,
      stacked: true,
      width: 8,
    }),
    new cloudwatch.GraphWidget({
      title: 'IVS Chat calls per invocation, against the budget',
      left: [
        metric(METRIC.apiCalls, cloudwatch.Stats.MAXIMUM, invocationPeriod, 'most in one invocation'),
        metric(METRIC.apiCalls, cloudwatch.Stats.AVERAGE, invocationPeriod, 'average'),
      ],
      leftAnnotations: [
        {
          value: invocationBudget,
          label: `budget: ${props.apiBudgetTps}/s × ${CHAT_READ_ACTIONS.length} operations × ${INVOCATION_SECONDS} s`,
          color: cloudwatch.Color.RED,
        },
      ],
      width: 8,
    }),
    new cloudwatch.GraphWidget({
      title: 'Run duration (minutes)',
      left: [
        new cloudwatch.MathExpression({
          expression: 'duration / 60000',
          usingMetrics: { duration: metric(METRIC.runDurationMs, cloudwatch.Stats.MAXIMUM, runPeriod) },
          label: 'run duration',
          period: runPeriod,
        }),
      ],
      width: 8,
    }),
  );
  if (props.changeQueues) {
    const { queue, deadLetterQueue } = props.changeQueues;
    const fiveMinutes = Duration.minutes(5);
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Change events: oldest waiting (seconds) and dead letters',
        left: [
          queue.metricApproximateAgeOfOldestMessage({
            period: fiveMinutes,
            statistic: cloudwatch.Stats.MAXIMUM,
            label: 'oldest change event waiting',
          }),
        ],
        right: [
          deadLetterQueue.metricApproximateNumberOfMessagesVisible({
            period: fiveMinutes,
            statistic: cloudwatch.Stats.MAXIMUM,
            label: 'dead letters',
          }),
        ],
        leftAnnotations: [
          { value: CHANGE_QUEUE_AGE_ALARM.toSeconds(), label: 'alarm', color: cloudwatch.Color.RED },
        ],
        width: 24,
      }),
    );
  }
  return dashboard;
}

function roundUpToMinute(seconds: number): number {
  return Math.max(60, Math.ceil(seconds / 60) * 60);
}
