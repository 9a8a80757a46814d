import { Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct, IConstruct } from 'constructs';

export interface FunctionNetworkProps {
  /** The VPC the functions run in. */
  readonly vpc: ec2.IVpc;
  /** Where in it. @default - the VPC's private subnets with egress */
  readonly vpcSubnets?: ec2.SubnetSelection;
}

const VPC_ACCESS_POLICY = 'service-role/AWSLambdaVPCAccessExecutionRole';

/**
 * The auditor's functions in a customer VPC (AWS Control Tower CT.LAMBDA.PR.3): one security group
 * that allows nothing in and only HTTPS out. Every AWS API the functions call is HTTPS; they reach
 * them through VPC endpoints or a NAT gateway (docs/deploy.md, "Functions in a VPC").
 */
export class FunctionNetwork {
  readonly securityGroup: ec2.SecurityGroup;

  constructor(
    scope: Construct,
    private readonly props: FunctionNetworkProps,
  ) {
    this.securityGroup = new ec2.SecurityGroup(scope, 'FunctionSecurityGroup', {
      vpc: props.vpc,
      description: 'ivschat-auditor functions: no inbound, outbound HTTPS only (AWS APIs)',
      allowAllOutbound: false,
    });
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to AWS APIs');
  }

  /** The `lambda.Function` props that put a function in the VPC. */
  get functionProps(): Pick<lambda.FunctionProps, 'vpc' | 'vpcSubnets' | 'securityGroups'> {
    return {
      vpc: this.props.vpc,
      ...(this.props.vpcSubnets ? { vpcSubnets: this.props.vpcSubnets } : {}),
      securityGroups: [this.securityGroup],
    };
  }

  /**
   * Lambda creates and deletes the function's network interfaces with the function's role; CDK adds
   * this policy only to roles it creates for a function itself.
   */
  allowNetworkInterfaces(role: iam.IRole): void {
    role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName(VPC_ACCESS_POLICY));
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${VPC_ACCESS_POLICY}]`,
      reason:
        "Lambda's own policy for functions in a VPC: create, describe and delete the network interfaces in the subnets, which EC2 does not let a policy scope to interfaces that do not exist yet.",
    });
  }
}

/** Without a VPC configured, a function is outside one: say why that is accepted. */
export function acknowledgeOutsideVpc(fn: IConstruct): void {
  Validations.of(fn).acknowledge({
    id: 'CT.LAMBDA.PR.3',
    reason:
      'No vpc is configured: the functions call only AWS APIs over HTTPS and serve no network. Set vpcId and subnetIds (or the construct props vpc and vpcSubnets) to run them in your VPC, which this control requires.',
  });
}
