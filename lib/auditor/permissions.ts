import { Arn, Aws, Token } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import {
  CHAT_LOGGING_READ_ACTIONS,
  CHAT_ROOM_READ_ACTIONS,
  FINDINGS_IMPORT_ACTIONS,
  STACK_TEMPLATE_READ_ACTIONS,
} from '../../lambda/aws/session-policy.js';
import { isOrganization, parseTag } from '../../lambda/settings/checks.js';
import type { RemediationMode } from '../../lambda/settings/table.js';
import type { AuditorConfig } from '../config.js';

/**
 * What the audit calls in IVS Chat; the function roles and the member role all grant exactly these,
 * and a member session of the change path is limited to them (lambda/aws/session-policy.ts).
 */
export const CHAT_READ_ACTIONS = CHAT_ROOM_READ_ACTIONS;

/** Stands for every region in a room ARN (the member role does not know the auditor's regions). */
export const ANY_REGION = '*';

/**
 * The one grant to read IVS Chat rooms: both actions on the room ARNs of `account` in `regions`.
 *
 * The Service Authorization Reference ("Actions, resources, and condition keys for Amazon
 * Interactive Video Service Chat", https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoninteractivevideoservicechat.html)
 * lists the Room resource type for ListRooms as for GetRoom, so neither needs `Resource: "*"`.
 * ListRooms is authorized against `room/*` of the caller's account and region, which these patterns
 * cover.
 */
export function chatRoomReadStatement(
  regions: readonly string[],
  account: string = Aws.ACCOUNT_ID,
): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'ReadChatRooms',
    actions: [...CHAT_READ_ACTIONS],
    resources: regions.map((region) => roomArnPattern(region, account)),
  });
}

/**
 * The cdk-nag finding ids (AwsSolutions-IAM5) that `chatRoomReadStatement` raises, one per region:
 * cdk-nag 3 matches exact ids and renders pseudo parameters as <AWS::Name>.
 */
export function chatRoomReadNagIds(regions: readonly string[]): string[] {
  return regions.map((region) => {
    const shown = Token.isUnresolved(region) ? '<AWS::Region>' : region;
    return `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ivschat:${shown}:<AWS::AccountId>:room/*]`;
  });
}

/**
 * The logging configurations joined into each room (policy `logging-active`): one listing per target.
 * Scoped like the rooms, to `logging-configuration/*` of the account and region.
 */
export function chatLoggingReadStatement(
  regions: readonly string[],
  account: string = Aws.ACCOUNT_ID,
): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'ListChatLoggingConfigurations',
    actions: [...CHAT_LOGGING_READ_ACTIONS],
    resources: regions.map((region) =>
      Arn.format({
        partition: Aws.PARTITION,
        service: 'ivschat',
        region,
        account,
        resource: 'logging-configuration',
        resourceName: '*',
      }),
    ),
  });
}

export function chatLoggingReadNagIds(regions: readonly string[]): string[] {
  return regions.map((region) => {
    const shown = Token.isUnresolved(region) ? '<AWS::Region>' : region;
    return `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ivschat:${shown}:<AWS::AccountId>:logging-configuration/*]`;
  });
}

/**
 * The IaC drift check (setting `iacDrift`): DescribeStacks and GetTemplate of the stacks that own
 * rooms, scoped to the stacks of the account in the audited regions (which stacks own rooms is
 * known only from the rooms' tags).
 */
export function stackTemplateReadStatement(
  regions: readonly string[],
  account: string = Aws.ACCOUNT_ID,
): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'ReadRoomStackTemplates',
    actions: [...STACK_TEMPLATE_READ_ACTIONS],
    resources: regions.map((region) =>
      Arn.format({
        partition: Aws.PARTITION,
        service: 'cloudformation',
        region,
        account,
        resource: 'stack',
        resourceName: '*/*',
      }),
    ),
  });
}

export function stackTemplateReadNagIds(regions: readonly string[]): string[] {
  return regions.map((region) => {
    const shown = Token.isUnresolved(region) ? '<AWS::Region>' : region;
    return `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudformation:${shown}:<AWS::AccountId>:stack/*/*]`;
  });
}

export const STACK_TEMPLATE_READ_REASON =
  "The IaC drift check reads the stack named by a room's aws:cloudformation tags (stack/*/*); which stacks own rooms is known only from the rooms.";

export const CHAT_LOGGING_READ_REASON =
  'The audit lists every logging configuration of the region once (logging-configuration/*) to join them into the rooms.';

export const CHAT_ROOM_READ_REASON =
  'The audit lists and reads every chat room of the region (room/*); room ids are not known in advance.';

function roomArnPattern(region: string, account: string): string {
  return Arn.format({
    partition: Aws.PARTITION,
    service: 'ivschat',
    region,
    account,
    resource: 'room',
    resourceName: '*',
  });
}

/**
 * Security Hub import of the findings of `account` (opt-in `securityHub`): only into that account's
 * own default product, the one ARN the ASFF `ProductArn` names, in each region findings live in.
 */
export function securityHubImportStatement(
  regions: readonly string[],
  account: string = Aws.ACCOUNT_ID,
): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'ImportFindingsToSecurityHub',
    actions: [...FINDINGS_IMPORT_ACTIONS],
    resources: regions.map(
      (region) => `arn:${Aws.PARTITION}:securityhub:${region}:${account}:product/${account}/default`,
    ),
  });
}

/** EventBridge events per finding transition (opt-in `eventBus`): only onto that one bus. */
export function putEventsStatement(eventBus: string): iam.PolicyStatement {
  const busArn =
    eventBus === 'default'
      ? `arn:${Aws.PARTITION}:events:${Aws.REGION}:${Aws.ACCOUNT_ID}:event-bus/default`
      : eventBus;
  return new iam.PolicyStatement({
    sid: 'PutFindingEvents',
    actions: ['events:PutEvents'],
    resources: [busArn],
  });
}

/** The one write the deployed remediation makes (`remediation=apply`). */
export const CHAT_REMEDIATION_ACTIONS = ['ivschat:UpdateRoom'] as const;

/**
 * `remediation=apply`: UpdateRoom on the room ARNs of `account` in `regions`, and only on rooms
 * carrying the opt-in tag. IAM enforces the opt-in, so a planning bug cannot write to a room nobody
 * opted in. `tag` is `remediationTag`, already validated by the settings table; an unparsable one is
 * a programming error here.
 */
export function chatRoomRemediationStatement(
  regions: readonly string[],
  tag: string,
  account: string = Aws.ACCOUNT_ID,
): iam.PolicyStatement {
  const parsed = parseTag(tag);
  if (!parsed) throw new Error(`ivschat-auditor: remediationTag "${tag}" is not key=value`);
  return new iam.PolicyStatement({
    sid: 'RemediateOptedInChatRooms',
    actions: [...CHAT_REMEDIATION_ACTIONS],
    resources: regions.map((region) => roomArnPattern(region, account)),
    conditions: { StringEquals: { [`aws:ResourceTag/${parsed.key}`]: parsed.value } },
  });
}

/**
 * The room ARN pattern's finding id is the same for the read and the remediation statement, and an
 * acknowledgement carries one reason: with remediation on, the reason covers both.
 */
export function chatRoomReason(readReason: string, remediation: RemediationMode): string {
  return remediation === 'apply'
    ? `${readReason} With remediation=apply, UpdateRoom is granted on the same pattern, but only on rooms carrying the opt-in tag (aws:ResourceTag condition).`
    : readReason;
}

/**
 * A function role's way into member accounts: `sts:AssumeRole` on the member role of each listed
 * account, or of any account (and, with `listAccounts`, `organizations:ListAccounts`) in organization
 * mode. Nothing when the audit stays in the deploying account.
 */
export function memberAccessStatements(
  config: AuditorConfig,
  options: { readonly listAccounts: boolean },
): iam.PolicyStatement[] {
  if (config.accounts.length === 0) return [];
  const memberRoleArn = (account: string) =>
    Arn.format({
      partition: Aws.PARTITION,
      service: 'iam',
      region: '',
      account,
      resource: 'role',
      resourceName: config.memberRoleName,
    });
  if (!isOrganization(config.accounts)) {
    return [
      new iam.PolicyStatement({
        sid: 'AssumeMemberRoles',
        actions: ['sts:AssumeRole'],
        resources: config.accounts.map(memberRoleArn),
      }),
    ];
  }
  return [
    new iam.PolicyStatement({
      sid: 'AssumeMemberRoles',
      actions: ['sts:AssumeRole'],
      resources: [memberRoleArn('*')],
      ...(config.organizationId
        ? { conditions: { StringEquals: { 'aws:ResourceOrgID': config.organizationId } } }
        : {}),
    }),
    // ListAccounts supports no resource-level permissions.
    ...(options.listAccounts
      ? [
          new iam.PolicyStatement({
            sid: 'ListOrganizationAccounts',
            actions: ['organizations:ListAccounts'],
            resources: ['*'],
          }),
        ]
      : []),
  ];
}

/** The cdk-nag finding id of the organization-mode AssumeRole on any account's member role. */
export function memberRoleNagId(memberRoleName: string): string {
  return `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/${memberRoleName}]`;
}

export const MEMBER_ROLE_REASON =
  'Organization mode audits accounts that join later, so the member role of any account; the organization condition narrows it when organizationId is set.';

/**
 * `actions` on the state table, only in partitions whose key starts with one of `prefixes`
 * (DynamoDB fine-grained access control). `ForAllValues` holds for a request with no partition key
 * at all (a Scan), so the `Null` condition requires one: every key the request names must match.
 */
export function partitionStatement(
  sid: string,
  table: dynamodb.ITable,
  actions: readonly string[],
  prefixes: readonly string[],
): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid,
    actions: [...actions],
    resources: [table.tableArn],
    conditions: {
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': prefixes.map((prefix) => `${prefix}*`) },
      Null: { 'dynamodb:LeadingKeys': 'false' },
    },
  });
}
