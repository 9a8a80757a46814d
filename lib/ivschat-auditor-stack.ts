import { Aws, CfnOutput, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import {
  ALERT_SINK,
  type AlertSinkName,
  NO_ALERT_SINKS,
  STACK_OUTPUT as OUT,
} from '../lambda/settings/stack-outputs.js';
import type { AuditorConfig } from './config.js';
import { IvsChatAuditor } from './ivschat-auditor.js';
import { type IvsChatAuditorProps, propsFromConfig } from './props.js';

export interface IvsChatAuditorStackProps extends StackProps {
  /** The validated context: every setting of the table. */
  readonly config: AuditorConfig;
  /** What the construct takes that is no setting. @default - the construct's defaults */
  readonly auditor?: Pick<IvsChatAuditorProps, 'policiesDir' | 'auditInterval'>;
}

/** The deployable unit: one `IvsChatAuditor` configured from validated context. */
export class IvsChatAuditorStack extends Stack {
  readonly auditor: IvsChatAuditor;

  constructor(scope: Construct, id: string, props: IvsChatAuditorStackProps) {
    super(scope, id, {
      description:
        'ivschat-auditor: scheduled drift audit of Amazon IVS Chat rooms against JSON-Schema policies',
      ...props,
    });
    const { config } = props;
    this.auditor = new IvsChatAuditor(this, 'Auditor', {
      ...props.auditor,
      ...propsFromConfig(config),
      ...networkFromIds(this, config),
    });
    const outputs = stackOutputs(this.auditor, config);
    for (const [id, [value, description]] of Object.entries(outputs))
      new CfnOutput(this, id, { value, description });
  }
}

/**
 * The VPC and subnets of context `vpcId` and `subnetIds`, as the construct's `network`.
 * From their ids alone, without `Vpc.fromLookup`: synth stays offline and needs no credentials.
 */
function networkFromIds(scope: Stack, config: AuditorConfig): Pick<IvsChatAuditorProps, 'network'> {
  if (!config.vpcId) return {};
  const vpc = ec2.Vpc.fromVpcAttributes(scope, 'Vpc', {
    vpcId: config.vpcId,
    // Unused (the subnets are given by id, nothing places by zone), but required.
    availabilityZones: Fn.getAzs(),
  });
  const subnets = config.subnetIds.map((id) => ec2.Subnet.fromSubnetId(scope, id, id));
  return { network: { vpc, vpcSubnets: { subnets } } };
}

/**
 * The stack's outputs by key (`lambda/settings/stack-outputs.ts`): what an operator looks up, and
 * what `ivschat-audit doctor` and `selftest` read to find the deployed parts and what they should be.
 */
function stackOutputs(auditor: IvsChatAuditor, config: AuditorConfig): Record<string, [string, string]> {
  const alarms = [
    auditor.errorsAlarm,
    auditor.missedAuditAlarm,
    auditor.deadLetterAlarm,
    auditor.targetFailureAlarm,
    auditor.executionsFailedAlarm,
    ...(auditor.changeQueueAgeAlarm ? [auditor.changeQueueAgeAlarm] : []),
    ...(auditor.changeDeadLetterAlarm ? [auditor.changeDeadLetterAlarm] : []),
  ];
  const sinks: AlertSinkName[] = [
    ...(config.alertEmails.length > 0 ? [ALERT_SINK.email] : []),
    ...(config.slack ? [ALERT_SINK.slack] : []),
    ...(config.securityHub ? [ALERT_SINK.securityHub] : []),
    ...(config.eventBus ? [ALERT_SINK.eventBridge] : []),
  ];
  const changes = auditor.changes;
  return {
    [OUT.alertsTopicArn]: [auditor.topic.topicArn, 'SNS topic the alerts go to'],
    [OUT.stateTableName]: [auditor.table.tableName, 'DynamoDB finding state (retained on cdk destroy)'],
    [OUT.stateMachineArn]: [
      auditor.stateMachine.stateMachineArn,
      'The audit engine (start an execution to audit now)',
    ],
    [OUT.functionName]: [
      auditor.function.functionName,
      'The audit Lambda (invoke it with {} to audit this account now)',
    ],
    [OUT.dashboardName]: [auditor.dashboard.dashboardName, 'CloudWatch dashboard of the audits'],
    [OUT.deadLetterQueueUrl]: [auditor.deadLetterQueue.queueUrl, 'Failed invocations and deliveries'],
    [OUT.scheduleRuleName]: [auditor.rule.ruleName, 'The EventBridge rule that starts each scheduled run'],
    [OUT.auditSchedule]: [config.schedule, 'The schedule expression of the audit'],
    [OUT.auditIntervalSeconds]: [
      String(auditor.auditInterval.toSeconds()),
      'Seconds between scheduled runs, the yardstick of the missed-audit alarm',
    ],
    [OUT.alarmNames]: [
      Fn.join(
        ',',
        alarms.map((alarm) => alarm.alarmName),
      ),
      "The auditor's CloudWatch alarms, comma-separated",
    ],
    [OUT.auditedRegions]: [
      config.regions.length > 0 ? config.regions.join(',') : Aws.REGION,
      'The regions audited, comma-separated',
    ],
    [OUT.auditedAccounts]: [
      config.accounts.length > 0 ? config.accounts.join(',') : Aws.ACCOUNT_ID,
      'The accounts audited, comma-separated, or organization',
    ],
    [OUT.memberRoleName]: [config.memberRoleName, 'The role assumed in each audited member account'],
    [OUT.alertSinks]: [
      sinks.length > 0 ? sinks.join(',') : NO_ALERT_SINKS,
      'Where alerts go besides the topic: email, slack, securityhub, eventbridge',
    ],
    [OUT.alertEmailCount]: [String(config.alertEmails.length), 'Email addresses subscribed to the topic'],
    ...(config.eventBus ? { [OUT.eventBus]: [config.eventBus, 'The bus finding events are put on'] } : {}),
    ...(auditor.reportBucket
      ? {
          [OUT.reportBucket]: [
            auditor.reportBucket.bucketName,
            "The bucket each run's HTML report is written to, under reports/",
          ],
        }
      : {}),
    ...(changes
      ? {
          [OUT.changeRuleName]: [changes.rule.ruleName, 'The rule that matches IVS Chat write calls'],
          [OUT.changeQueueUrl]: [
            changes.queue.queueUrl,
            'IVS Chat change events waiting for the change function',
          ],
          [OUT.changeDeadLetterQueueUrl]: [
            changes.deadLetterQueue.queueUrl,
            'IVS Chat change events that failed 5 times or could not be delivered',
          ],
        }
      : {}),
  } as Record<string, [string, string]>;
}
