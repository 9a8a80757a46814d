import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../lib/app.js';
import { NO_BUNDLING, synthApp } from './synth.js';

/** A template resource as `findResources` gives it (Type, Properties, Condition, ...). */
type Resource = ReturnType<Template['findResources']>[string];

const CHANGE_EVENT_PATTERN = {
  source: ['aws.ivschat'],
  'detail-type': ['AWS API Call via CloudTrail'],
  detail: {
    eventSource: ['ivschat.amazonaws.com'],
    eventName: [
      'CreateRoom',
      'UpdateRoom',
      'DeleteRoom',
      'TagResource',
      'UntagResource',
      'CreateLoggingConfiguration',
      'UpdateLoggingConfiguration',
      'DeleteLoggingConfiguration',
    ],
  },
};

/** The resources of a type whose logical id names the change path (Auditor/Changes/...). */
function changeResources(template: Template, type: string): Array<[string, Resource]> {
  return Object.entries(template.findResources(type) as Record<string, Resource>).filter(([id]) =>
    id.startsWith('AuditorChanges'),
  );
}

function only<T>(items: T[]): T {
  expect(items).toHaveLength(1);
  return items[0] as T;
}

function functions(template: Template): { audit: Resource; change: Resource } {
  const all = Object.entries(template.findResources('AWS::Lambda::Function') as Record<string, Resource>);
  return {
    audit: only(all.filter(([id]) => id.startsWith('AuditorFunction'))).at(1) as Resource,
    change: only(all.filter(([id]) => id.startsWith('AuditorChangesFunction'))).at(1) as Resource,
  };
}

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const changeRoleId = (template: Template) =>
  only(
    changeResources(template, 'AWS::IAM::Role').filter(([id]) => id.startsWith('AuditorChangesFunctionRole')),
  )[0];

/** Every statement the change function's role holds (its policies; it has no inline or managed ones). */
function changeRoleStatements(template: Template): Statement[] {
  const roleId = changeRoleId(template);
  const role = template.findResources('AWS::IAM::Role')[roleId] as Resource;
  expect(role.Properties.Policies).toBeUndefined();
  expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  return Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>)
    .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

function queuePolicy(template: Template, queue: string): Statement[] {
  return Object.values(template.findResources('AWS::SQS::QueuePolicy') as Record<string, Resource>)
    .filter((p) => JSON.stringify(p.Properties.Queues) === JSON.stringify([{ Ref: queue }]))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

const actionsOf = (statement: Statement) => [statement.Action].flat();

const queueId = (template: Template) =>
  only(changeResources(template, 'AWS::SQS::Queue').filter(([id]) => !id.includes('DeadLetter')))[0];
const deadLetterId = (template: Template) =>
  only(changeResources(template, 'AWS::SQS::Queue').filter(([id]) => id.includes('DeadLetter')))[0];

describe('Change events (changeEvents=true, the default)', () => {
  const { template } = synthApp();

  it('matches exactly the eight IVS Chat write calls on the default bus and sends them to the queue', () => {
    const [, rule] = only(changeResources(template, 'AWS::Events::Rule'));
    expect(rule.Properties.EventPattern).toEqual(CHANGE_EVENT_PATTERN);
    expect(rule.Properties.EventBusName).toBeUndefined();
    expect(rule.Properties.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [queueId(template), 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [deadLetterId(template), 'Arn'] } },
      }),
    ]);
  });

  it('buffers events in an encrypted, TLS-only queue that parks a message after 5 receives', () => {
    const queues = Object.fromEntries(changeResources(template, 'AWS::SQS::Queue'));
    const queue = queues[queueId(template)] as Resource;
    expect(queue.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [deadLetterId(template), 'Arn'] },
        maxReceiveCount: 5,
      },
    });
    expect(queues[deadLetterId(template)]?.Properties).toMatchObject({ SqsManagedSseEnabled: true });
    for (const id of [queueId(template), deadLetterId(template)]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it('keeps a message invisible for at least six times the change function timeout', () => {
    const queue = Object.fromEntries(changeResources(template, 'AWS::SQS::Queue'))[queueId(template)];
    const { change } = functions(template);
    expect(change.Properties.Timeout).toBe(300);
    expect(queue?.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * 300);
  });

  it("runs the audit function's code, handler, log group and environment with a 5-minute timeout", () => {
    const { audit, change } = functions(template);
    for (const key of [
      'Code',
      'Handler',
      'Runtime',
      'Architectures',
      'LoggingConfig',
      'Environment',
      'MemorySize',
      'TracingConfig',
    ])
      expect(change.Properties[key], key).toEqual(audit.Properties[key]);
    expect(change.Properties.Timeout).toBe(300);
  });

  it("runs with a role of its own, not the audit function's, and both know the audit role's name and ARN", () => {
    const { audit, change } = functions(template);
    expect(change.Properties.Role).toEqual({ 'Fn::GetAtt': [changeRoleId(template), 'Arn'] });
    expect(change.Properties.Role).not.toEqual(audit.Properties.Role);
    const auditRole = (audit.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    for (const fn of [audit, change]) {
      expect(fn.Properties.Environment.Variables).toMatchObject({
        FUNCTION_ROLE_NAME: { Ref: auditRole },
        FUNCTION_ROLE_ARN: { 'Fn::GetAtt': [auditRole, 'Arn'] },
      });
    }
  });

  it('lets only the change rule put messages on the change queue: a Deny for every other sender', () => {
    const [ruleId] = only(changeResources(template, 'AWS::Events::Rule'));
    const statements = queuePolicy(template, queueId(template));
    // A negated condition also matches a request without aws:SourceArn (a principal sending itself).
    expect(statements).toContainEqual({
      Sid: 'OnlyTheChangeRuleSends',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'sqs:SendMessage',
      Resource: { 'Fn::GetAtt': [queueId(template), 'Arn'] },
      Condition: { ArnNotEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } } },
    });
    // The rule's own delivery: EventBridge, with the rule's ARN as aws:SourceArn, is still allowed.
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: expect.arrayContaining(['sqs:SendMessage']),
        Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } } },
      }),
    );
    const denies = statements.filter((s) => s.Effect === 'Deny');
    expect(denies.filter((s) => [s.Action].flat().includes('sqs:SendMessage'))).toHaveLength(1);
  });

  it('reads the queue in batches of the window, reporting failed items, two batches at a time', () => {
    const [, mapping] = only(
      Object.entries(template.findResources('AWS::Lambda::EventSourceMapping') as Record<string, Resource>),
    );
    const changeFunction = only(changeResources(template, 'AWS::Lambda::Function'))[0];
    expect(mapping.Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [queueId(template), 'Arn'] },
      FunctionName: { Ref: changeFunction },
      MaximumBatchingWindowInSeconds: 20,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 2 },
    });
    // As large as a standard queue allows: Lambda's 6 MB payload cut decides a storm's batches, so a
    // deploy touching 5,000 rooms arrives in a few batches rather than 500 that each fetch their rooms.
    expect(mapping.Properties.BatchSize).toBe(10_000);
  });

  it('alarms on the age of the oldest change event and on any dead letter, notifying the alerts topic', () => {
    const topic = Object.keys(template.findResources('AWS::SNS::Topic'))[0];
    const alarms = Object.values(
      template.findResources('AWS::CloudWatch::Alarm') as Record<string, Resource>,
    );
    const on = (metric: string, queue: string) =>
      only(
        alarms.filter(
          (a) =>
            a.Properties.MetricName === metric &&
            JSON.stringify(a.Properties.Dimensions).includes(`"${queue}","QueueName"`),
        ),
      );
    const age = on('ApproximateAgeOfOldestMessage', queueId(template));
    expect(age.Properties).toMatchObject({
      Threshold: 900,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: topic }],
    });
    const deadLetters = on('ApproximateNumberOfMessagesVisible', deadLetterId(template));
    expect(deadLetters.Properties).toMatchObject({
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: topic }],
    });
  });

  it('graphs the change queue on the dashboard', () => {
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard?.Properties.DashboardBody);
    expect(body).toContain('Change events');
    expect(body).toContain(queueId(template));
  });

  it('names the change dead-letter queue in a stack output', () => {
    template.hasOutput('ChangeDeadLetterQueueUrl', { Value: { Ref: deadLetterId(template) } });
  });

  it('opens the default bus to nobody when no other account is audited', () => {
    template.resourceCountIs('AWS::Events::EventBusPolicy', 0);
  });
});

describe('Change events: settings', () => {
  it('uses changeBatchWindowSeconds as the batch window, and adds it to the visibility timeout', () => {
    const { template } = synthApp({ changeBatchWindowSeconds: '45' });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { MaximumBatchingWindowInSeconds: 45 });
    template.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 6 * 300 + 45 });
  });

  it('deploys none of it with changeEvents=false, in either stack', () => {
    const { stack, memberStack } = buildApp({
      context: {
        ...NO_BUNDLING,
        changeEvents: 'false',
        accounts: '111111111111',
        auditorAccountId: '123456789012',
        auditorRegion: 'eu-west-1',
      },
    });
    const auditor = Template.fromStack(stack);
    for (const type of [
      'AWS::Events::Rule',
      'AWS::SQS::Queue',
      'AWS::Lambda::Function',
      'AWS::CloudWatch::Alarm',
    ])
      expect(changeResources(auditor, type), type).toEqual([]);
    auditor.resourceCountIs('AWS::Lambda::EventSourceMapping', 0);
    auditor.resourceCountIs('AWS::Events::EventBusPolicy', 0);
    expect(auditor.findOutputs('ChangeDeadLetterQueueUrl')).toEqual({});
    // The schedule is the one rule left.
    auditor.resourceCountIs('AWS::Events::Rule', 1);
    if (!memberStack) throw new Error('expected the member stack');
    Template.fromStack(memberStack).resourceCountIs('AWS::Events::Rule', 0);
  });
});

describe('Change events: the default bus policy for member accounts', () => {
  const busPolicy = (template: Template) =>
    only(Object.values(template.findResources('AWS::Events::EventBusPolicy') as Record<string, Resource>));
  const busArn = {
    'Fn::Join': [
      '',
      [
        'arn:',
        { Ref: 'AWS::Partition' },
        ':events:',
        { Ref: 'AWS::Region' },
        ':',
        { Ref: 'AWS::AccountId' },
        ':event-bus/default',
      ],
    ],
  };
  const onlyChatEvents = { 'ForAllValues:StringEquals': { 'events:source': ['aws.ivschat'] } };

  it('lets exactly the listed accounts put forwarded IVS Chat events', () => {
    const { template } = synthApp({ accounts: '111111111111,222222222222' });
    const policy = busPolicy(template);
    expect(policy.Properties.EventBusName).toBe('default');
    const root = (account: string) => ({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${account}:root`]],
    });
    expect(policy.Properties.Statement).toEqual({
      Effect: 'Allow',
      Principal: { AWS: [root('111111111111'), root('222222222222')] },
      Action: 'events:PutEvents',
      Resource: busArn,
      Condition: onlyChatEvents,
    });
  });

  it('lets the organization put them when organizationId is given', () => {
    const { template } = synthApp({ accounts: 'organization', organizationId: 'o-a1b2c3d4e5' });
    expect(busPolicy(template).Properties.Statement).toEqual({
      Effect: 'Allow',
      Principal: '*',
      Action: 'events:PutEvents',
      Resource: busArn,
      Condition: { ...onlyChatEvents, StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
    });
  });

  it('opens the bus to no one in organization mode without organizationId, and says why at synth', () => {
    const { stack, template } = synthApp({ accounts: 'organization' });
    template.resourceCountIs('AWS::Events::EventBusPolicy', 0);
    Annotations.fromStack(stack).hasWarning(
      '/IvsChatAuditor/Auditor/Changes',
      Match.stringLikeRegexp('without organizationId.*scheduled audit only.*Set organizationId'),
    );
  });
});

describe('Change events: forwarding from the member stack', () => {
  function member(context: Record<string, unknown>): Template {
    const { memberStack } = buildApp({ context: { ...NO_BUNDLING, ...context } });
    if (!memberStack) throw new Error('expected the member stack');
    return Template.fromStack(memberStack);
  }
  const auditorBus = (region: string, account: string) => ({
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:events:${region}:${account}:event-bus/default`]],
  });

  describe('with auditorAccountId and auditorRegion', () => {
    const template = member({ auditorAccountId: '123456789012', auditorRegion: 'eu-west-1' });
    const rules = Object.values(template.findResources('AWS::Events::Rule') as Record<string, Resource>);
    const roles = Object.entries(template.findResources('AWS::IAM::Role') as Record<string, Resource>);
    const [forwardingRoleId, forwardingRole] = only(roles.filter(([, r]) => !r.Properties.RoleName));

    it("forwards the auditor's pattern to the auditor's default bus through a role of its own", () => {
      const rule = only(rules);
      expect(rule.Properties.EventPattern).toEqual(CHANGE_EVENT_PATTERN);
      expect(rule.Properties.Targets).toEqual([
        {
          Id: expect.any(String),
          Arn: auditorBus('eu-west-1', '123456789012'),
          RoleArn: { 'Fn::GetAtt': [forwardingRoleId, 'Arn'] },
        },
      ]);
    });

    it('lets that role only put events on that one bus, assumed by EventBridge of this account', () => {
      expect(forwardingRole.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Principal: { Service: 'events.amazonaws.com' },
          Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
        },
      ]);
      expect(forwardingRole.Properties.Policies).toEqual([
        {
          PolicyName: 'PutToAuditorBus',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Action: 'events:PutEvents',
                Resource: auditorBus('eu-west-1', '123456789012'),
              },
            ],
          },
        },
      ]);
    });

    it("is deployed everywhere but on the auditor's own bus (same account and region)", () => {
      const conditionName = only(rules).Condition as string;
      expect(forwardingRole.Condition).toBe(conditionName);
      expect(template.toJSON().Conditions[conditionName]).toEqual({
        'Fn::Not': [
          {
            'Fn::And': [
              { 'Fn::Equals': [{ Ref: 'AWS::AccountId' }, '123456789012'] },
              { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-west-1'] },
            ],
          },
        ],
      });
    });

    it("creates the member role and its policy in the auditor's region only, so every region can deploy the stack", () => {
      const [, memberRole] = only(roles.filter(([, r]) => r.Properties.RoleName));
      const [, policy] = only(
        Object.entries(template.findResources('AWS::IAM::Policy') as Record<string, Resource>),
      );
      expect(memberRole.Condition).toBeDefined();
      expect(policy.Condition).toBe(memberRole.Condition);
      expect(template.toJSON().Conditions[memberRole.Condition as string]).toEqual({
        'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-west-1'],
      });
    });
  });

  it("targets the member's own region and creates the role unconditionally without auditorRegion", () => {
    const template = member({ auditorAccountId: '123456789012' });
    const rule = only(Object.values(template.findResources('AWS::Events::Rule') as Record<string, Resource>));
    expect(JSON.stringify(rule.Properties.Targets[0].Arn)).toBe(
      JSON.stringify({
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':events:',
            { Ref: 'AWS::Region' },
            ':123456789012:event-bus/default',
          ],
        ],
      }),
    );
    expect(template.toJSON().Conditions[rule.Condition]).toEqual({
      'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'AWS::AccountId' }, '123456789012'] }],
    });
    const memberRole = Object.values(
      template.findResources('AWS::IAM::Role') as Record<string, Resource>,
    ).find((r) => r.Properties.RoleName);
    expect(memberRole?.Condition).toBeUndefined();
  });

  it("forwards nothing when the stack's own account and region are the auditor's", () => {
    const template = member({ accounts: '111111111111' });
    template.resourceCountIs('AWS::Events::Rule', 0);
    expect(Object.keys(template.findResources('AWS::IAM::Role'))).toHaveLength(1);
  });
});

describe("Change events: the change function's own role", () => {
  const everything = {
    accounts: '111111111111,222222222222',
    remediation: 'apply',
    securityHub: 'true',
    eventBus: 'default',
  };

  it.each([
    ['defaults', {}],
    ['every option (remediation=apply, Security Hub, EventBridge, member accounts)', everything],
    ['organization mode', { ...everything, accounts: 'organization', organizationId: 'o-a1b2c3d4e5' }],
  ])('holds no IVS Chat write and no Organizations action (%s)', (_what, context) => {
    const { template } = synthApp(context);
    const actions = changeRoleStatements(template).flatMap(actionsOf);
    const chat = actions.filter((a) => a.startsWith('ivschat:'));
    expect(new Set(chat)).toEqual(
      new Set(['ivschat:ListRooms', 'ivschat:GetRoom', 'ivschat:ListLoggingConfigurations']),
    );
    expect(actions.some((a) => a.includes('*'))).toBe(false);
    expect(actions.filter((a) => a.startsWith('organizations:'))).toEqual([]);
  });

  it('leaves UpdateRoom to the audit role, which holds it with remediation=apply', () => {
    const { template } = synthApp(everything);
    const all = Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>)
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[])
      .flatMap(actionsOf);
    expect(all).toContain('ivschat:UpdateRoom');
    expect(changeRoleStatements(template).flatMap(actionsOf)).not.toContain('ivschat:UpdateRoom');
  });

  it('reads and writes the state table only in its own partitions, and never writes the trail', () => {
    const { template } = synthApp(everything);
    const table = Object.keys(template.findResources('AWS::DynamoDB::Table'))[0] as string;
    const onTable = changeRoleStatements(template).filter((s) =>
      actionsOf(s).some((a) => a.startsWith('dynamodb:')),
    );
    const reads = ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:BatchGetItem'];
    for (const statement of onTable) {
      expect(statement.Effect).toBe('Allow');
      expect(statement.Resource).toEqual({ 'Fn::GetAtt': [table, 'Arn'] });
      expect(statement.Condition?.Null).toEqual({ 'dynamodb:LeadingKeys': 'false' });
      const prefixes = statement.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'];
      const writes = actionsOf(statement).some((a) => !reads.includes(a));
      expect(prefixes).toEqual(
        writes ? ['FINDING#*', 'ROOM#*', 'FULLAUDIT#*'] : ['FINDING#*', 'ROOM#*', 'FULLAUDIT#*', 'TRAIL#*'],
      );
      expect(actionsOf(statement).filter((a) => /DeleteTable|Scan|Transact|PartiQL|\*/.test(a))).toEqual([]);
    }
    expect(onTable.flatMap(actionsOf).sort()).toEqual(
      [
        ...reads,
        'dynamodb:BatchWriteItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
      ].sort(),
    );
  });

  it('assumes only the member roles of the audited accounts', () => {
    const { template } = synthApp(everything);
    const assume = changeRoleStatements(template).filter((s) => actionsOf(s).includes('sts:AssumeRole'));
    const memberRole = (account: string) => ({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${account}:role/ivschat-auditor-member`]],
    });
    expect(assume).toEqual([
      {
        Sid: 'AssumeMemberRoles',
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Resource: [memberRole('111111111111'), memberRole('222222222222')],
      },
    ]);
    const { template: single } = synthApp();
    expect(changeRoleStatements(single).flatMap(actionsOf)).not.toContain('sts:AssumeRole');
  });

  it('imports to Security Hub and puts events only when those sinks are on, and always publishes alerts', () => {
    const off = changeRoleStatements(synthApp().template).flatMap(actionsOf);
    expect(off.filter((a) => a.startsWith('securityhub:') || a.startsWith('events:'))).toEqual([]);
    expect(off).toContain('sns:Publish');
    expect(off).toEqual(expect.arrayContaining(['kms:GenerateDataKey', 'kms:Decrypt']));
    const on = changeRoleStatements(synthApp(everything).template).flatMap(actionsOf);
    expect(on).toEqual(expect.arrayContaining(['securityhub:BatchImportFindings', 'events:PutEvents']));
  });

  it('reads the change queue and writes its log group and traces, and nothing else', () => {
    const { template } = synthApp();
    const prefixes = new Set(
      changeRoleStatements(template)
        .flatMap(actionsOf)
        .map((a) => a.split(':')[0]),
    );
    expect(prefixes).toEqual(new Set(['logs', 'xray', 'ivschat', 'dynamodb', 'sns', 'kms', 'sqs']));
    const sqs = changeRoleStatements(template).filter((s) => actionsOf(s).some((a) => a.startsWith('sqs:')));
    for (const statement of sqs) {
      expect(statement.Resource).toEqual({ 'Fn::GetAtt': [queueId(template), 'Arn'] });
      expect(actionsOf(statement)).not.toContain('sqs:SendMessage');
    }
  });

  it('is named so member roles can trust it whenever other accounts are audited', () => {
    const { template } = synthApp({ accounts: '111111111111' });
    const role = template.findResources('AWS::IAM::Role')[changeRoleId(template)] as Resource;
    expect(role.Properties.RoleName).toBe('ivschat-auditor-change');
    const { template: single } = synthApp();
    const generated = single.findResources('AWS::IAM::Role')[changeRoleId(single)] as Resource;
    expect(generated.Properties.RoleName).toBeUndefined();
  });
});
