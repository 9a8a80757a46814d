/**
 * The CloudFormation reads of the IaC drift check (setting `iacDrift`): a stack as DescribeStacks
 * shows it (its last update, deployed parameter values and stack tags) and its processed template
 * (GetTemplate, `TemplateStage: Processed`: transforms such as SAM already expanded, as deployed).
 * Read-only; the IAM for them (`cloudformation:DescribeStacks`, `cloudformation:GetTemplate`) is
 * granted only with the setting on.
 */
import {
  type CloudFormationClient,
  DescribeStacksCommand,
  GetTemplateCommand,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import type { DeployedStack } from '../iac/drift.js';

/** The stack ARN's parts: `arn:<partition>:cloudformation:<region>:<account>:stack/<name>/<uuid>`. */
const STACK_ARN = /^arn:[a-z-]+:cloudformation:([a-z0-9-]+):(\d{12}):stack\/([^/]+)\/[^/]+$/;

export function parseStackArn(
  arn: string,
): { region: string; accountId: string; stackName: string } | undefined {
  const match = STACK_ARN.exec(arn);
  if (!match) return undefined;
  const [, region = '', accountId = '', stackName = ''] = match;
  return { region, accountId, stackName };
}

/** DescribeStacks of one stack named by its id; undefined when CloudFormation has no such stack. */
export async function describeDeployedStack(
  client: CloudFormationClient,
  stackId: string,
  signal?: AbortSignal,
): Promise<(DeployedStack & { status: string }) | undefined> {
  let stack: Stack | undefined;
  try {
    const answer = await client.send(
      new DescribeStacksCommand({ StackName: stackId }),
      signal ? { abortSignal: signal } : {},
    );
    stack = answer.Stacks?.[0];
  } catch (error) {
    if (isMissingStack(error)) return undefined;
    throw error;
  }
  if (!stack?.StackId || !stack.StackName) return undefined;
  const arn = parseStackArn(stack.StackId);
  const updated = stack.LastUpdatedTime ?? stack.CreationTime;
  const parameters: Record<string, string> = {};
  for (const p of stack.Parameters ?? []) {
    if (!p.ParameterKey) continue;
    const value = p.ResolvedValue ?? p.ParameterValue;
    if (value !== undefined) parameters[p.ParameterKey] = value;
  }
  const tags: Record<string, string> = {};
  for (const t of stack.Tags ?? []) if (t.Key !== undefined && t.Value !== undefined) tags[t.Key] = t.Value;
  return {
    stackName: stack.StackName,
    stackId: stack.StackId,
    lastUpdated: updated ? updated.toISOString() : '',
    parameters,
    tags,
    accountId: arn?.accountId ?? '',
    region: arn?.region ?? '',
    status: stack.StackStatus ?? 'UNKNOWN',
  };
}

/** The stack's template as deployed (Processed), as text: JSON, or YAML when written so. */
export async function processedTemplate(
  client: CloudFormationClient,
  stackId: string,
  signal?: AbortSignal,
): Promise<string> {
  const answer = await client.send(
    new GetTemplateCommand({ StackName: stackId, TemplateStage: 'Processed' }),
    signal ? { abortSignal: signal } : {},
  );
  return answer.TemplateBody ?? '';
}

/** CloudFormation's answer for a stack id it does not know: `ValidationError` "Stack with id … does not exist". */
function isMissingStack(error: unknown): boolean {
  const e = error as { name?: unknown; message?: unknown } | null;
  return (
    e?.name === 'ValidationError' && typeof e.message === 'string' && e.message.includes('does not exist')
  );
}
