/**
 * The state machine definition `cdk synth` produces, as a plain Amazon States Language object whose
 * template tokens are replaced by fake but well-formed values: what the local runs execute
 * (`npm run demo -- --org`, `bench orgScale`, the engine tests, through local-aws/step-functions.ts)
 * and what the CDK tests validate.
 */
import { buildApp } from '../lib/app.js';

export const FAKE_ACCOUNT = '123456789012';
export const FAKE_REGION = 'us-east-1';
/** What every `Fn::GetAtt [<the function>, Arn]` of the definition becomes. */
export const FAKE_FUNCTION_ARN = `arn:aws:lambda:${FAKE_REGION}:${FAKE_ACCOUNT}:function:ivschat-auditor`;

/** Skips esbuild: the definition does not depend on the function's bundle, and synth takes a second. */
const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

/** A (partial) Amazon States Language definition: enough structure for tests to walk it. */
export interface AslDefinition {
  StartAt: string;
  States: Record<string, AslState>;
  TimeoutSeconds?: number;
  Comment?: string;
}

export interface AslState {
  Type: string;
  Next?: string;
  End?: boolean;
  Resource?: string;
  Parameters?: { FunctionName?: string; Payload?: Record<string, unknown> } & Record<string, unknown>;
  OutputPath?: string | null;
  ResultPath?: string | null;
  Retry?: Array<{ ErrorEquals: string[] } & Record<string, unknown>>;
  Catch?: Array<{ ErrorEquals: string[]; ResultPath?: string; Next: string }>;
  Choices?: Array<Record<string, unknown>>;
  Default?: string;
  Result?: unknown;
  ItemsPath?: string;
  ItemSelector?: Record<string, unknown>;
  ItemProcessor?: {
    ProcessorConfig?: { Mode?: string; ExecutionType?: string };
    StartAt: string;
    States: Record<string, AslState>;
  };
  MaxConcurrency?: number;
  ToleratedFailurePercentage?: number;
}

interface TemplateResource {
  Type: string;
  Properties?: { DefinitionString?: unknown };
}

/**
 * The definition the app (exactly as `bin/app.ts` builds it) synthesizes for `context` (as
 * `-c key=value`). The `DefinitionString` is an `Fn::Join` of literal JSON and tokens; the tokens
 * become fake but well-formed values.
 */
export function stateMachineDefinition(context: Record<string, unknown> = {}): AslDefinition {
  const { app, stack } = buildApp({ context: { ...NO_BUNDLING, ...context } });
  const template = app.synth().getStackArtifact(stack.artifactId).template as {
    Resources: Record<string, TemplateResource>;
  };
  const resources = Object.entries(template.Resources);
  const machines = resources.filter(([, resource]) => resource.Type === 'AWS::StepFunctions::StateMachine');
  if (machines.length !== 1) throw new Error(`expected one state machine, found ${machines.length}`);
  const functions = new Set(
    resources.filter(([, resource]) => resource.Type === 'AWS::Lambda::Function').map(([id]) => id),
  );
  return JSON.parse(
    resolveDefinition(machines[0]?.[1].Properties?.DefinitionString, functions),
  ) as AslDefinition;
}

function resolveDefinition(value: unknown, functions: Set<string>): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join) throw new Error(`unexpected DefinitionString: ${JSON.stringify(value)}`);
  const [separator, parts] = join;
  return parts.map((part) => resolveToken(part, functions)).join(separator);
}

function resolveToken(part: unknown, functions: Set<string>): string {
  if (typeof part === 'string') return part;
  const ref = (part as { Ref?: string }).Ref;
  const pseudo: Record<string, string> = {
    'AWS::Partition': 'aws',
    'AWS::Region': FAKE_REGION,
    'AWS::AccountId': FAKE_ACCOUNT,
    'AWS::URLSuffix': 'amazonaws.com',
  };
  if (ref !== undefined && pseudo[ref]) return pseudo[ref];
  const getAtt = (part as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
  if (getAtt && functions.has(getAtt[0]) && getAtt[1] === 'Arn') return FAKE_FUNCTION_ARN;
  throw new Error(`no fake value for the token ${JSON.stringify(part)} in the state machine definition`);
}
