import { CfnOutput, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
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
    const outputs: Record<string, [string, string]> = {
      AlertsTopicArn: [this.auditor.topic.topicArn, 'SNS topic the alerts go to'],
      StateTableName: [this.auditor.table.tableName, 'DynamoDB finding state (retained on cdk destroy)'],
      StateMachineArn: [
        this.auditor.stateMachine.stateMachineArn,
        'The audit engine (start an execution to audit now)',
      ],
      FunctionName: [
        this.auditor.function.functionName,
        'The audit Lambda (invoke it with {} to audit this account now)',
      ],
      DashboardName: [this.auditor.dashboard.dashboardName, 'CloudWatch dashboard of the audits'],
      DeadLetterQueueUrl: [this.auditor.deadLetterQueue.queueUrl, 'Failed invocations and deliveries'],
      ...(this.auditor.changes
        ? {
            ChangeDeadLetterQueueUrl: [
              this.auditor.changes.deadLetterQueue.queueUrl,
              'IVS Chat change events that failed 5 times or could not be delivered',
            ] as [string, string],
          }
        : {}),
    };
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
