import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import aslValidator from 'asl-validator';
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { copyPoliciesCommand, RUN_TIMEOUT, STATE_NAMES } from '../../lib/auditor/engine.js';
import { MEMBER_STACK_NAME } from '../../lib/member-stack.js';
import { type AslState, FAKE_FUNCTION_ARN, stateMachineDefinition } from './state-machine-definition.js';
import { synthApp } from './synth.js';

const ORG_CONTEXT = { accounts: '111111111111,222222222222', regions: 'us-east-1,eu-west-1' };

const definition = stateMachineDefinition({ ...ORG_CONTEXT, maxConcurrency: '7' });
const map = definition.States[STATE_NAMES.auditTargets] as AslState;
const child = (name: string) => map.ItemProcessor?.States[name] as AslState;
const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';

describe('Engine: the state machine', () => {
  it('synthesizes the state machine, the schedule that starts it and the member stack for listed accounts', () => {
    const { app, template } = synthApp(ORG_CONTEXT);
    const machines = template.findResources('AWS::StepFunctions::StateMachine');
    expect(Object.values(machines).map((m) => m.Properties.StateMachineType)).toEqual(['STANDARD']);
    const machine = Object.keys(machines)[0] as string;
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 hour)',
      Targets: [Match.objectLike({ Arn: { Ref: machine }, RoleArn: Match.anyValue() })],
    });
    expect(app.node.tryFindChild(MEMBER_STACK_NAME)).toBeDefined();
  });

  it('passes asl-validator', () => {
    const result = aslValidator(definition);
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('runs Plan, then the Distributed Map, then Aggregate, within the run timeout', () => {
    expect(definition.StartAt).toBe(STATE_NAMES.plan);
    expect(definition.States[STATE_NAMES.plan]?.Next).toBe(STATE_NAMES.auditTargets);
    expect(map.Next).toBe(STATE_NAMES.aggregate);
    expect(definition.States[STATE_NAMES.aggregate]?.End).toBe(true);
    expect(Object.keys(definition.States).sort()).toEqual(['Aggregate', 'AuditTargets', 'Plan']);
    expect(definition.TimeoutSeconds).toBe(RUN_TIMEOUT.toSeconds());
  });

  it('maps over the target indexes in distributed mode, at maxConcurrency, tolerating every failure', () => {
    expect(map).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.targets',
      ItemSelector: {
        'runId.$': '$.runId',
        'startedAt.$': '$.startedAt',
        'index.$': '$$.Map.Item.Value',
        iteration: 0,
      },
      MaxConcurrency: 7,
      ToleratedFailurePercentage: 100,
      ResultPath: null,
    });
    expect(map.ItemProcessor?.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
  });

  it('takes maxConcurrency from the settings default when not given', () => {
    const defaults = stateMachineDefinition(ORG_CONTEXT);
    expect(defaults.States[STATE_NAMES.auditTargets]?.MaxConcurrency).toBe(20);
  });

  it('sends each Lambda step the payload of the contract and keeps only the Lambda result', () => {
    const plan = definition.States[STATE_NAMES.plan] as AslState;
    const aggregate = definition.States[STATE_NAMES.aggregate] as AslState;
    const audit = child(STATE_NAMES.auditTarget);
    const failed = child(STATE_NAMES.targetFailed);
    for (const task of [plan, aggregate, audit, failed]) {
      expect(task).toMatchObject({ Type: 'Task', Resource: LAMBDA_INVOKE });
      expect(task.Parameters?.FunctionName).toBe(FAKE_FUNCTION_ARN);
    }
    expect(plan.Parameters?.Payload).toEqual({
      step: 'plan',
      'runId.$': '$$.Execution.Name',
      'startedAt.$': '$$.Execution.StartTime',
    });
    expect(audit.Parameters?.Payload).toEqual({
      step: 'audit-target',
      'runId.$': '$.runId',
      'startedAt.$': '$.startedAt',
      'index.$': '$.index',
      'iteration.$': '$.iteration',
    });
    expect(failed.Parameters?.Payload).toEqual({
      step: 'target-failed',
      'runId.$': '$.runId',
      'index.$': '$.index',
      'error.$': '$.error',
    });
    expect(aggregate.Parameters?.Payload).toEqual({
      step: 'aggregate',
      'runId.$': '$.runId',
      'startedAt.$': '$.startedAt',
    });
    for (const task of [plan, aggregate, audit]) expect(task.OutputPath).toBe('$.Payload');
    expect(failed.ResultPath).toBeNull();
    expect(failed.OutputPath).toBeUndefined();
  });

  it('loops a target until it is done, and records a failed target instead of failing the run', () => {
    expect(map.ItemProcessor?.StartAt).toBe(STATE_NAMES.auditTarget);
    expect(Object.keys(map.ItemProcessor?.States ?? {}).sort()).toEqual(
      ['AuditTarget', 'TargetAudited?', 'TargetDone', 'TargetFailed'].sort(),
    );
    const audit = child(STATE_NAMES.auditTarget);
    expect(audit.Next).toBe(STATE_NAMES.targetAudited);
    expect(audit.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'TargetFailed' },
    ]);
    expect(child(STATE_NAMES.targetAudited)).toMatchObject({
      Type: 'Choice',
      Choices: [{ Variable: '$.done', BooleanEquals: true, Next: 'TargetDone' }],
      Default: 'AuditTarget',
    });
    expect(child(STATE_NAMES.targetFailed).Next).toBe(STATE_NAMES.targetDone);
    expect(child(STATE_NAMES.targetDone)).toMatchObject({ Type: 'Pass', Result: {}, End: true });
  });

  it('retries transient Lambda errors and throttling on every Lambda step', () => {
    const tasks = [
      definition.States[STATE_NAMES.plan],
      definition.States[STATE_NAMES.aggregate],
      child(STATE_NAMES.auditTarget),
      child(STATE_NAMES.targetFailed),
    ] as AslState[];
    for (const task of tasks) {
      const retried = (task.Retry ?? []).flatMap((r) => r.ErrorEquals);
      expect(retried).toEqual(
        expect.arrayContaining([
          'Lambda.ServiceException',
          'Lambda.AWSLambdaException',
          'Lambda.SdkClientException',
          'Lambda.TooManyRequestsException',
        ]),
      );
      expect(retried).not.toContain('States.ALL');
    }
  });

  it('logs every execution event to a log group encrypted with its own key, and traces with X-Ray', () => {
    const { template } = synthApp();
    const machine = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0];
    expect(machine?.Properties.LoggingConfiguration).toMatchObject({
      Level: 'ALL',
      IncludeExecutionData: true,
    });
    expect(machine?.Properties.TracingConfiguration).toEqual({ Enabled: true });
    const logGroupId = machine?.Properties.LoggingConfiguration.Destinations[0].CloudWatchLogsLogGroup
      .LogGroupArn['Fn::GetAtt'][0] as string;
    const logGroup = template.findResources('AWS::Logs::LogGroup')[logGroupId];
    expect(logGroup?.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/LogKey/), 'Arn'] });
  });
});

describe('Engine: the function', () => {
  it('has no reserved concurrency, so maxConcurrency targets can run at once', () => {
    const { template } = synthApp(ORG_CONTEXT);
    template.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: Match.absent(),
      Timeout: 900,
    });
  });

  it('can be invoked by the state machine and by nothing else', () => {
    const { template } = synthApp();
    // No resource policy: EventBridge starts the state machine, which invokes with its role.
    template.resourceCountIs('AWS::Lambda::Permission', 0);
    const functionId = Object.keys(template.findResources('AWS::Lambda::Function'))[0] as string;
    const invokers = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p.Properties.PolicyDocument).includes('lambda:InvokeFunction'),
    );
    expect(invokers).toHaveLength(1);
    expect(JSON.stringify(invokers[0]?.Properties.Roles)).toMatch(/StateMachineRole/);
    expect(JSON.stringify(invokers[0]?.Properties.PolicyDocument)).toContain(functionId);
  });
});

describe('Bundling: copying the policies', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('copies the policy files with Node, not cp, even from a folder with spaces and quotes', () => {
    const root = mkdtempSync(join(tmpdir(), 'ivschat policies '));
    dirs.push(root);
    const from = join(root, "team's policies");
    mkdirSync(from);
    writeFileSync(join(from, 'a.json'), '{}');
    writeFileSync(join(from, 'b.json'), '{}');
    writeFileSync(join(from, 'README.md'), 'not a policy');
    const to = join(root, 'bundle out', 'policies');
    const command = copyPoliciesCommand(from, to);
    expect(command.startsWith('node -e ')).toBe(true);
    expect(command).not.toMatch(/\bcp\b|mkdir -p/);
    execFileSync('bash', ['-c', command]);
    expect(readdirSync(to).sort()).toEqual(['a.json', 'b.json']);
  });

  it('refuses a folder whose name the bundling shell would expand, naming it', () => {
    expect(() => copyPoliciesCommand('/tmp/$HOME/policies', '/tmp/out')).toThrow(
      /ivschat-auditor: cannot bundle the policies .*\/tmp\/\$HOME\/policies/,
    );
  });
});
