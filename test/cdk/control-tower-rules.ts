/**
 * AWS Control Tower proactive controls (CloudFormation Guard rules run as CloudFormation hooks), each
 * as a pure check over a synthesized template, so the tests can hold the stacks to them without
 * cfn-guard. Each follows the PASS / FAIL / SKIP scenarios of its rule specification in the Control
 * Tower controls reference (https://docs.aws.amazon.com/controltower/latest/controlreference/):
 * a resource the rule skips is no violation.
 */

export interface CfnTemplate {
  readonly Resources?: Record<string, CfnResource>;
}

interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

/** The Control Tower proactive controls the auditor stack failed before, held to by the tests. */
export type ControlId =
  | 'CT.CLOUDWATCH.PR.2'
  | 'CT.CLOUDWATCH.PR.3'
  | 'CT.KMS.PR.3'
  | 'CT.LAMBDA.PR.3'
  | 'CT.SQS.PR.1';

export interface Violation {
  readonly control: ControlId;
  /** The resource's logical id. */
  readonly logicalId: string;
  /** What the rule found, in its own terms. */
  readonly problem: string;
}

export type Rule = (template: CfnTemplate) => Violation[];

type Struct = Record<string, unknown>;

const isStruct = (value: unknown): value is Struct =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isNonEmptyString = (value: unknown): boolean => typeof value === 'string' && value.trim() !== '';

/** `Ref` or `Fn::GetAtt` to a resource of `type` in the same template (the rules' local references). */
function isLocalReference(template: CfnTemplate, value: unknown, type: string): boolean {
  if (!isStruct(value)) return false;
  const getAtt = value['Fn::GetAtt'];
  const target = Array.isArray(getAtt) ? getAtt[0] : value.Ref;
  return typeof target === 'string' && template.Resources?.[target]?.Type === type;
}

/** Strings or local references to `type`, at least one. */
function isListOf(template: CfnTemplate, value: unknown, type: string): boolean {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((item) => isNonEmptyString(item) || isLocalReference(template, item, type))
  );
}

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

function resourcesOf(template: CfnTemplate, type: string): Array<[string, Struct]> {
  return Object.entries(template.Resources ?? {})
    .filter(([, resource]) => resource.Type === type)
    .map(([id, resource]) => [id, resource.Properties ?? {}]);
}

function check(
  control: ControlId,
  type: string,
  problemOf: (properties: Struct, template: CfnTemplate) => string | undefined,
): Rule {
  return (template) =>
    resourcesOf(template, type).flatMap(([logicalId, properties]) => {
      const problem = problemOf(properties, template);
      return problem ? [{ control, logicalId, problem }] : [];
    });
}

/** [CT.CLOUDWATCH.PR.2] A log group keeps its events at least a year (no `RetentionInDays` = never expire). */
export const CT_CLOUDWATCH_PR_2 = check('CT.CLOUDWATCH.PR.2', 'AWS::Logs::LogGroup', (p) => {
  const days = p.RetentionInDays;
  if (days === undefined) return undefined;
  return typeof days === 'number' && Number.isInteger(days) && days >= 365
    ? undefined
    : `RetentionInDays is ${JSON.stringify(days)}, not 365 or more`;
});

/** [CT.CLOUDWATCH.PR.3] A log group is encrypted with a KMS key (`KmsKeyId`: an ARN, or a key of this template). */
export const CT_CLOUDWATCH_PR_3 = check('CT.CLOUDWATCH.PR.3', 'AWS::Logs::LogGroup', (p, template) =>
  isNonEmptyString(p.KmsKeyId) || isLocalReference(template, p.KmsKeyId, 'AWS::KMS::Key')
    ? undefined
    : 'KmsKeyId is not set',
);

const GRANT_CONDITION_KEYS = ['kms:grantisforawsresource', 'aws:principalisawsservice'];

/**
 * The one statement CT.KMS.PR.3 asks for: Deny `kms:CreateGrant` to every principal on the key
 * unless the caller is an AWS service or acts through one (`BoolIfExists`, both keys `false`).
 */
function limitsGrantsToAwsServices(statement: unknown): boolean {
  if (!isStruct(statement) || statement.Effect !== 'Deny') return false;
  const { Action, Principal, Resource, Condition } = statement;
  if (Action === undefined || Resource === undefined || !isStruct(Condition)) return false;
  if (!asList(Action).every((action) => action === 'kms:CreateGrant')) return false;
  if (!(Principal === '*' || (isStruct(Principal) && Principal.AWS === '*'))) return false;
  if (!asList(Resource).every((resource) => resource === '*')) return false;
  const keys = Object.keys(Condition);
  if (keys.length !== 1 || keys[0] !== 'BoolIfExists' || !isStruct(Condition.BoolIfExists)) return false;
  const entries = Object.entries(Condition.BoolIfExists);
  return (
    entries.every(([key]) => GRANT_CONDITION_KEYS.includes(key.toLowerCase())) &&
    GRANT_CONDITION_KEYS.every((wanted) =>
      entries.some(([key, value]) => key.toLowerCase() === wanted && value === 'false'),
    )
  );
}

/** [CT.KMS.PR.3] A key policy limits the creation of grants to AWS services. */
export const CT_KMS_PR_3 = check('CT.KMS.PR.3', 'AWS::KMS::Key', (p) => {
  const statements = isStruct(p.KeyPolicy) ? p.KeyPolicy.Statement : undefined;
  if (!Array.isArray(statements) || statements.length === 0) return 'the key policy has no statements';
  return statements.some(limitsGrantsToAwsServices)
    ? undefined
    : 'no statement denies kms:CreateGrant unless kms:GrantIsForAWSResource or aws:PrincipalIsAWSService';
});

/** [CT.LAMBDA.PR.3] A function runs in a customer-managed VPC: subnets and security groups. */
export const CT_LAMBDA_PR_3 = check('CT.LAMBDA.PR.3', 'AWS::Lambda::Function', (p, template) => {
  const vpc = p.VpcConfig;
  if (!isStruct(vpc)) return 'VpcConfig is not set';
  if (!isListOf(template, vpc.SubnetIds, 'AWS::EC2::Subnet')) return 'VpcConfig names no subnets';
  if (!isListOf(template, vpc.SecurityGroupIds, 'AWS::EC2::SecurityGroup'))
    return 'VpcConfig names no security groups';
  return undefined;
});

/**
 * [CT.SQS.PR.1] A queue has a dead-letter queue. A queue that declares itself a dead-letter queue
 * (`RedriveAllowPolicy` with `redrivePermission` `allowAll` or `byQueue`) is skipped.
 */
export const CT_SQS_PR_1 = check('CT.SQS.PR.1', 'AWS::SQS::Queue', (p, template) => {
  const allow = p.RedriveAllowPolicy;
  if (
    isStruct(allow) &&
    (allow.redrivePermission === undefined ||
      ['allowAll', 'byQueue'].includes(String(allow.redrivePermission)))
  )
    return undefined;
  const redrive = p.RedrivePolicy;
  if (!isStruct(redrive)) return 'RedrivePolicy is not set';
  const target = redrive.deadLetterTargetArn;
  return isNonEmptyString(target) || isLocalReference(template, target, 'AWS::SQS::Queue')
    ? undefined
    : 'RedrivePolicy names no dead-letter queue';
});

/** The controls the auditor stack is held to, by id: the five it failed before. */
export const CONTROL_TOWER_RULES: Readonly<Record<ControlId, Rule>> = {
  'CT.CLOUDWATCH.PR.2': CT_CLOUDWATCH_PR_2,
  'CT.CLOUDWATCH.PR.3': CT_CLOUDWATCH_PR_3,
  'CT.KMS.PR.3': CT_KMS_PR_3,
  'CT.LAMBDA.PR.3': CT_LAMBDA_PR_3,
  'CT.SQS.PR.1': CT_SQS_PR_1,
} as const;

/** Every violation of every rule in `template`. */
export function controlTowerViolations(template: CfnTemplate): Violation[] {
  return Object.values(CONTROL_TOWER_RULES).flatMap((rule) => rule(template));
}
