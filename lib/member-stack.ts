import {
  Arn,
  Aws,
  CfnCondition,
  CfnResource,
  CliCredentialsStackSynthesizer,
  Fn,
  Stack,
  type StackProps,
  Token,
  Validations,
} from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { MEMBER_DOCTOR_READS } from '../lambda/aws/targets.js';
import { parseSetting } from '../lambda/settings/parse.js';
import { type RemediationMode, SETTINGS, type SettingName } from '../lambda/settings/table.js';
import { ChangeForwarding, changeRoleName } from './auditor/changes.js';
import { AUDITOR_FUNCTION_ROLE_NAME } from './auditor/engine.js';
import {
  ANY_REGION,
  CHAT_LOGGING_READ_REASON,
  chatLoggingReadNagIds,
  chatLoggingReadStatement,
  chatRoomReadNagIds,
  chatRoomReadStatement,
  chatRoomReason,
  chatRoomRemediationStatement,
  STACK_TEMPLATE_READ_REASON,
  securityHubImportStatement,
  stackTemplateReadNagIds,
  stackTemplateReadStatement,
} from './auditor/permissions.js';
import { checkMemberTrustedPrincipals } from './config.js';
import { InvalidPropsError } from './props.js';

export const MEMBER_STACK_NAME = 'IvsChatAuditorMember';

export interface IvsChatAuditorMemberStackProps extends StackProps {
  /** The account the auditor runs in. @default - this stack's own account (the auditor audits itself) */
  readonly auditorAccountId?: string;
  /**
   * The auditor function's role name in that account; the change function's role, trusted too while
   * `changeEvents` is on, is this name plus `-change`. @default AUDITOR_FUNCTION_ROLE_NAME (and AUDITOR_CHANGE_ROLE_NAME)
   */
  readonly auditorRoleName?: string;
  /** The role this stack creates; the auditor's `memberRoleName`. @default SETTINGS.memberRoleName.default */
  readonly memberRoleName?: string;
  /**
   * IAM role or user ARNs that may assume the member role besides the auditor's own roles (an
   * operator's or CI role running `ivschat-audit audit --account`); `sts:AssumeRole` only, named
   * exactly, and not together with `remediation: 'apply'`. @default - the auditor alone
   */
  readonly trustedPrincipals?: readonly string[];
  /** Trust callers of this organization only (`aws:PrincipalOrgID`). @default - no organization condition */
  readonly organizationId?: string;
  /** The auditor imports this account's findings into its Security Hub through the role. @default false */
  readonly securityHub?: boolean;
  /** The auditor's `iacDrift`: the role may also read the stacks that own rooms (DescribeStacks, GetTemplate). @default false */
  readonly iacDrift?: boolean;
  /** The auditor's `remediation`: with `apply` the role may also update opted-in rooms. @default 'off' */
  readonly remediation?: RemediationMode;
  /** The opt-in tag (`key=value`) a room needs before the auditor may update it. @default SETTINGS.remediationTag.default */
  readonly remediationTag?: string;
  /**
   * Forward this account's IVS Chat change events to the auditor's default bus, when the stack knows
   * a bus other than its own (`auditorAccountId` or `auditorRegion`). @default true
   */
  readonly changeEvents?: boolean;
  /**
   * The auditor stack's region: its bus receives the forwarded events, and the member role (global)
   * is created in that region only, so the stack can be deployed in every audited region.
   * @default - this stack's region, and the role in every region the stack is deployed in
   */
  readonly auditorRegion?: string;
}

/**
 * What a member account deploys so the auditor can read its chat rooms: one read-only role, trusted
 * by the auditor's function role alone. The template is environment-agnostic and needs no bootstrap,
 * so the same template serves `cdk deploy` and a service-managed StackSet.
 */
export class IvsChatAuditorMemberStack extends Stack {
  readonly role: iam.Role;
  /** The forwarding of change events; absent with `changeEvents: false`. */
  readonly changeForwarding?: ChangeForwarding;

  constructor(scope: Construct, id: string, props: IvsChatAuditorMemberStackProps = {}) {
    super(scope, id, {
      description: forwardsChanges(props)
        ? "ivschat-auditor member: lets the auditor account read this account's IVS Chat rooms, and forwards their change events"
        : "ivschat-auditor member role: lets the auditor account read this account's IVS Chat rooms",
      // Uses the deployer's credentials and no assets: no `cdk bootstrap` per member account, and no
      // bootstrap-version rule that would fail in a StackSet instance.
      synthesizer: new CliCredentialsStackSynthesizer(),
      ...props,
    });
    checkSettingProps(props);
    const auditorAccount = props.auditorAccountId ?? Aws.ACCOUNT_ID;
    const auditorRoleArn = (resourceName: string) =>
      Arn.format({
        partition: Aws.PARTITION,
        service: 'iam',
        region: '',
        account: auditorAccount,
        resource: 'role',
        resourceName,
      });
    // The change function has a role of its own (no write, and a read-only session policy on this
    // role's sessions: lambda/aws/session-policy.ts); it reads changed rooms through this role too.
    const trustedRoles = [
      auditorRoleArn(props.auditorRoleName ?? AUDITOR_FUNCTION_ROLE_NAME),
      ...((props.changeEvents ?? SETTINGS.changeEvents.default)
        ? [auditorRoleArn(changeRoleName(props.auditorRoleName))]
        : []),
    ];
    // The account principal plus a principal-ARN condition, not the role ARN as principal: IAM refuses
    // a trust naming a role that does not exist yet, and member accounts may deploy before the auditor.
    const trustedBy = new iam.AccountPrincipal(auditorAccount).withConditions({
      ArnEquals: { 'aws:PrincipalArn': trustedRoles.length === 1 ? trustedRoles[0] : trustedRoles },
      ...(props.organizationId ? { StringEquals: { 'aws:PrincipalOrgID': props.organizationId } } : {}),
    });
    this.role = new iam.Role(this, 'MemberRole', {
      roleName: props.memberRoleName ?? SETTINGS.memberRoleName.default,
      assumedBy: trustedBy,
      description:
        props.remediation === 'apply'
          ? 'ivschat-auditor: reads IVS Chat rooms and updates opted-in rooms for the auditor account'
          : 'ivschat-auditor: read-only access to IVS Chat rooms for the auditor account',
    });
    const remediation = props.remediation ?? SETTINGS.remediation.default;
    const trusted = checkMemberTrustedPrincipals(props.trustedPrincipals, remediation);
    if (trusted.length > 0) {
      // The auditor's shape again (accounts as principals, the exact ARNs as a condition), so a role
      // may be trusted before it exists; one statement keeps the trust policy within IAM's size limit.
      this.role.assumeRolePolicy?.addStatements(
        new iam.PolicyStatement({
          actions: ['sts:AssumeRole'],
          principals: [...new Set(trusted.map(accountOf))].map(
            (account) => new iam.AccountPrincipal(account),
          ),
          conditions: {
            ArnEquals: { 'aws:PrincipalArn': trusted },
            ...(props.organizationId ? { StringEquals: { 'aws:PrincipalOrgID': props.organizationId } } : {}),
          },
        }),
      );
    }
    // The same grant as the auditor function's own, over every region of this account: the member
    // stack does not know which regions the auditor visits.
    this.role.addToPrincipalPolicy(chatRoomReadStatement([ANY_REGION]));
    this.role.addToPrincipalPolicy(chatLoggingReadStatement([ANY_REGION]));
    if (props.securityHub) this.role.addToPrincipalPolicy(securityHubImportStatement([ANY_REGION]));
    if (props.iacDrift) this.role.addToPrincipalPolicy(stackTemplateReadStatement([ANY_REGION]));
    const doctorReads = memberDoctorReads(props);
    for (const statement of doctorReads.statements) this.role.addToPrincipalPolicy(statement);
    if (remediation === 'apply') {
      this.role.addToPrincipalPolicy(
        chatRoomRemediationStatement([ANY_REGION], props.remediationTag ?? SETTINGS.remediationTag.default),
      );
    }
    const policy = this.role.node.tryFindChild('DefaultPolicy') ?? this.role;
    Validations.of(policy).acknowledge(
      ...chatRoomReadNagIds([ANY_REGION]).map((id) => ({
        id,
        reason: chatRoomReason(
          'The audit lists and reads every chat room of the account in every audited region; room ids are not known in advance.',
          remediation,
        ),
      })),
      ...chatLoggingReadNagIds([ANY_REGION]).map((id) => ({ id, reason: CHAT_LOGGING_READ_REASON })),
      ...(props.iacDrift
        ? stackTemplateReadNagIds([ANY_REGION]).map((id) => ({ id, reason: STACK_TEMPLATE_READ_REASON }))
        : []),
      ...doctorReads.nag,
      ...(props.securityHub
        ? [
            {
              id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:securityhub:*:<AWS::AccountId>:product/<AWS::AccountId>/default]',
              reason:
                "Findings are imported in the region of their room, into this account's own default product only; the member stack does not know the auditor's regions.",
            },
          ]
        : []),
    );
    if (props.auditorRegion) {
      // IAM is global: deployed in several regions for the forwarding, the stack creates the role once.
      const inAuditorRegion = new CfnCondition(this, 'InAuditorRegion', {
        expression: Fn.conditionEquals(Aws.REGION, props.auditorRegion),
      });
      for (const resource of [this.role.node.defaultChild, policy.node.defaultChild])
        if (resource instanceof CfnResource) resource.cfnOptions.condition = inAuditorRegion;
    }
    if (forwardsChanges(props)) {
      this.changeForwarding = new ChangeForwarding(this, 'ChangeForwarding', {
        ...(props.auditorAccountId ? { auditorAccountId: props.auditorAccountId } : {}),
        ...(props.auditorRegion ? { auditorRegion: props.auditorRegion } : {}),
      });
    }
  }
}

/** The props that are settings, each named as its context key: checked by the settings table as context is. */
const SETTING_PROPS = [
  'memberRoleName',
  'organizationId',
  'securityHub',
  'iacDrift',
  'remediation',
  'remediationTag',
  'changeEvents',
  'auditorAccountId',
  'auditorRegion',
] as const satisfies readonly (SettingName & keyof IvsChatAuditorMemberStackProps)[];

/**
 * Fails synth on a prop its setting's rule refuses. A token (a value known only at deploy time, such
 * as another stack's account) cannot be checked here and is left to CloudFormation.
 */
function checkSettingProps(props: IvsChatAuditorMemberStackProps): void {
  const problems = SETTING_PROPS.flatMap((name) => {
    const given = props[name];
    if (typeof given === 'string' && Token.isUnresolved(given)) return [];
    const parsed = parseSetting(SETTINGS[name], given);
    return parsed.ok ? [] : parsed.problems.map((problem) => `${name}: ${problem}`);
  });
  if (problems.length > 0) throw new InvalidPropsError(problems, 'IvsChatAuditorMemberStack');
}

/**
 * Without `auditorAccountId` and `auditorRegion` the auditor's bus is this stack's own, where the
 * auditor's rule already sees every change: nothing to forward.
 */
/**
 * The two reads `ivschat-audit doctor` needs in a member account when the auditor cannot look there
 * itself: which rule forwards changes (change events on) and whether Security Hub is enabled (findings
 * go there). Both read-only, in this account only; every region, as the stack does not know the
 * auditor's regions.
 */
function memberDoctorReads(props: IvsChatAuditorMemberStackProps): {
  statements: iam.PolicyStatement[];
  nag: { id: string; reason: string }[];
} {
  const statements: iam.PolicyStatement[] = [];
  const nag: { id: string; reason: string }[] = [];
  if (props.changeEvents ?? SETTINGS.changeEvents.default) {
    statements.push(
      new iam.PolicyStatement({
        sid: 'DoctorReadsForwardingRules',
        actions: [MEMBER_DOCTOR_READS.forwardingRule],
        resources: [`arn:${Aws.PARTITION}:events:*:${Aws.ACCOUNT_ID}:rule/*`],
      }),
    );
    nag.push({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:events:*:<AWS::AccountId>:rule/*]',
      reason:
        "ivschat-audit doctor lists the names of this account's rules targeting the auditor's bus (read-only); it cannot know the rule's name or region in advance.",
    });
  }
  if (props.securityHub) {
    statements.push(
      new iam.PolicyStatement({
        sid: 'DoctorReadsSecurityHub',
        actions: [MEMBER_DOCTOR_READS.securityHub],
        resources: [`arn:${Aws.PARTITION}:securityhub:*:${Aws.ACCOUNT_ID}:hub/default`],
      }),
    );
    nag.push({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:securityhub:*:<AWS::AccountId>:hub/default]',
      reason:
        "ivschat-audit doctor asks whether this account's Security Hub is enabled (read-only) in each region findings may go to.",
    });
  }
  return { statements, nag };
}

function forwardsChanges(props: IvsChatAuditorMemberStackProps): boolean {
  return (
    (props.changeEvents ?? SETTINGS.changeEvents.default) &&
    Boolean(props.auditorAccountId || props.auditorRegion)
  );
}

/** The account of an IAM ARN (`arn:<partition>:iam::<account>:…`). */
const accountOf = (arn: string): string => arn.split(':')[4] ?? '';
