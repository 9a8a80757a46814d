import { Match, type Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import {
  FUNCTION_MALLOC_ARENA_MAX,
  FUNCTION_MEMORY_MB,
  FUNCTION_NODE_OPTIONS,
} from '../../lib/function-runtime.js';
import { synthApp } from './synth.js';

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

function functionRoleStatements(template: Template): Statement[] {
  const role = Object.keys(template.findResources('AWS::IAM::Role', functionRoleMatcher()))[0];
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: Match.arrayWith([{ Ref: role }]) },
  });
  return Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

function functionRoleMatcher() {
  return {
    Properties: {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })],
      }),
    },
  };
}

const actionsOf = (statements: Statement[]) => statements.flatMap((s) => [s.Action].flat()).sort();

const functionLogicalId = (template: Template) =>
  Object.keys(template.findResources('AWS::Lambda::Function'))[0];

describe('Construct: IvsChatAuditor', () => {
  it('subscribes exactly the emails given in alertEmails', () => {
    const { template } = synthApp({ alertEmails: 'a@example.com,b@example.com' });
    template.resourcePropertiesCountIs('AWS::SNS::Subscription', { Protocol: 'email' }, 2);
    for (const endpoint of ['a@example.com', 'b@example.com']) {
      template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: endpoint });
    }
  });

  it('has no subscriptions and no Slack channel by default', () => {
    const { template } = synthApp();
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    template.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 0);
  });

  it('starts the state machine on the schedule', () => {
    const { template } = synthApp({ schedule: 'rate(30 minutes)' });
    const machine = Object.keys(template.findResources('AWS::StepFunctions::StateMachine'))[0] as string;
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(30 minutes)',
      Targets: [Match.objectLike({ Arn: { Ref: machine } })],
    });
  });

  it('sends undeliverable schedule events and failed async invocations to the dead-letter queue', () => {
    const { template } = synthApp();
    // The change path's queues (changeEvents, on by default) live under Auditor/Changes.
    const queues = Object.fromEntries(
      Object.entries(template.findResources('AWS::SQS::Queue')).filter(([id]) => !id.includes('Changes')),
    );
    expect(Object.keys(queues)).toHaveLength(1);
    const queue = Object.keys(queues)[0] as string;
    expect(queues[queue]?.Properties).toMatchObject({ SqsManagedSseEnabled: true });
    const queueArn = { 'Fn::GetAtt': [queue, 'Arn'] };
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [
        Match.objectLike({
          DeadLetterConfig: { Arn: queueArn },
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
        }),
      ],
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: { OnFailure: { Destination: queueArn } },
    });
    template.hasResourceProperties('AWS::Lambda::Function', { DeadLetterConfig: { TargetArn: queueArn } });
    // enforceSSL: the queue policy denies insecure transport.
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('configures the function as the handler expects', () => {
    const { template } = synthApp({ regions: 'us-east-1,eu-west-1', apiBudgetTps: '3' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 900,
      // Derived from the bench's measured peak (lib/function-runtime.ts, test/cdk/function-memory.test.ts).
      MemorySize: FUNCTION_MEMORY_MB,
      ReservedConcurrentExecutions: Match.absent(),
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogGroup: Match.anyValue() },
      Environment: {
        Variables: {
          AUDIT_REGIONS: 'us-east-1,eu-west-1',
          ALERT_TOPIC_ARN: { Ref: Match.stringLikeRegexp('Alerts') },
          API_BUDGET_TPS: '3',
          STATE_TABLE_NAME: { Ref: Match.stringLikeRegexp('State') },
          RENOTIFY_AFTER_HOURS: '24',
          FULL_REFRESH_HOURS: '24',
          RETAIN_RESOLVED_DAYS: '30',
          POLICIES_DIR: 'policies',
          POWERTOOLS_SERVICE_NAME: 'ivschat-auditor',
          POWERTOOLS_METRICS_NAMESPACE: 'IvsChatAuditor',
          NODE_OPTIONS: FUNCTION_NODE_OPTIONS,
          MALLOC_ARENA_MAX: FUNCTION_MALLOC_ARENA_MAX,
        },
      },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
  });

  it('audits the stack region when regions is empty', () => {
    const { template } = synthApp();
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ AUDIT_REGIONS: { Ref: 'AWS::Region' } }) },
    });
  });

  it('grants the function exactly the actions it needs, none with a wildcard', () => {
    const { template } = synthApp({ regions: 'us-east-1,eu-west-1' });
    const statements = functionRoleStatements(template);
    expect(statements.every((s) => s.Effect === 'Allow')).toBe(true);
    expect(actionsOf(statements)).toEqual(
      [
        'ivschat:ListRooms',
        'ivschat:GetRoom',
        'ivschat:ListLoggingConfigurations',
        'sns:Publish',
        'kms:GenerateDataKey',
        'kms:Decrypt',
        // Query and batches for findings, rooms and runs (BatchGetItem: the whole records of the
        // findings a run resolves); conditional single-item writes for locks and failure streaks.
        'dynamodb:Query',
        'dynamodb:GetItem',
        'dynamodb:BatchGetItem',
        'dynamodb:BatchWriteItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        // Lambda itself: its log group, its dead-letter queue, X-Ray.
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        // The change queue is read by the change function, under its own role.
        'sqs:SendMessage',
        'xray:PutTraceSegments',
        'xray:PutTelemetryRecords',
      ].sort(),
    );
    expect(actionsOf(statements).some((a) => a.includes('*'))).toBe(false);
    // No AWS managed policy (AWSLambdaBasicExecutionRole would grant logs on every log group).
    template.hasResourceProperties('AWS::IAM::Role', {
      ...functionRoleMatcher().Properties,
      ManagedPolicyArns: Match.absent(),
    });
  });

  it('scopes ivschat to the rooms of each configured region', () => {
    const { template } = synthApp({ regions: 'us-east-1,eu-west-1' });
    const ivschat = functionRoleStatements(template).find((s) =>
      [s.Action].flat().includes('ivschat:GetRoom'),
    );
    const roomArn = (region: string) => ({
      'Fn::Join': [
        '',
        ['arn:', { Ref: 'AWS::Partition' }, `:ivschat:${region}:`, { Ref: 'AWS::AccountId' }, ':room/*'],
      ],
    });
    expect(ivschat?.Action).toEqual(['ivschat:ListRooms', 'ivschat:GetRoom']);
    expect(ivschat?.Resource).toEqual([roomArn('us-east-1'), roomArn('eu-west-1')]);
  });

  it('uses "*" only for X-Ray, which has no resource-level permissions', () => {
    const { template } = synthApp();
    const star = functionRoleStatements(template).filter((s) => JSON.stringify(s.Resource) === '"*"');
    expect(actionsOf(star)).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
  });

  it('encrypts the topic with a rotating customer-managed key that CloudWatch alarms may use', () => {
    const { template } = synthApp();
    const keys = template.findResources('AWS::KMS::Key');
    const keyId = Object.keys(keys)[0] as string;
    expect(keys[keyId]?.Properties.EnableKeyRotation).toBe(true);
    expect(keys[keyId]?.DeletionPolicy).toBe('Delete');
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  describe('service principals (confused-deputy guards)', () => {
    // The account and region as CloudFormation resolves them, so the guards hold wherever it deploys.
    const ownAlarms = {
      StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      ArnLike: {
        'aws:SourceArn': {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':cloudwatch:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              ':alarm:*',
            ],
          ],
        },
      },
    };
    type PolicyStatement = { Principal?: { Service?: string }; Condition?: unknown; Action: unknown };
    const statementsOf = (template: Template, type: string, documentKey: string) =>
      Object.values(template.findResources(type)).flatMap(
        (r) => r.Properties[documentKey].Statement as PolicyStatement[],
      );
    const servicePrincipalStatements = (template: Template) =>
      [
        ...statementsOf(template, 'AWS::KMS::Key', 'KeyPolicy'),
        ...statementsOf(template, 'AWS::SNS::TopicPolicy', 'PolicyDocument'),
        ...statementsOf(template, 'AWS::SQS::QueuePolicy', 'PolicyDocument'),
      ].filter((s) => s.Principal?.Service !== undefined);

    it('lets CloudWatch use the topic key only for alarms of this account and region', () => {
      const { template } = synthApp();
      const cloudwatch = statementsOf(template, 'AWS::KMS::Key', 'KeyPolicy').filter(
        (s) => s.Principal?.Service === 'cloudwatch.amazonaws.com',
      );
      expect(cloudwatch).toEqual([
        {
          Sid: 'AllowCloudWatchAlarmsToPublish',
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          Resource: '*',
          Condition: ownAlarms,
        },
      ]);
    });

    it('lets CloudWatch publish to the topic only for alarms of this account and region', () => {
      // The enforceSSL topic policy replaces SNS's default one, so alarms need their own statement.
      const { template } = synthApp();
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Sid: 'AllowCloudWatchAlarmsToPublish',
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: 'sns:Publish',
              Resource: { Ref: Match.stringLikeRegexp('Alerts') },
              Condition: ownAlarms,
            },
          ]),
        },
      });
    });

    it('lets only the schedule rule and the topic send to the dead-letter queue', () => {
      const { template } = synthApp({ alertEmails: 'a@example.com' });
      const rule = Object.keys(template.findResources('AWS::Events::Rule'))[0] as string;
      const topic = Object.keys(template.findResources('AWS::SNS::Topic'))[0] as string;
      const deadLetterQueue = Object.keys(template.findResources('AWS::SQS::Queue')).find((id) =>
        id.startsWith('AuditorDeadLetterQueue'),
      );
      const policies = template.findResources('AWS::SQS::QueuePolicy', {
        Properties: { Queues: [{ Ref: deadLetterQueue }] },
      });
      const senders = Object.values(policies)
        .flatMap((r) => r.Properties.PolicyDocument.Statement as PolicyStatement[])
        .filter((s) => s.Principal?.Service !== undefined);
      expect(senders).toHaveLength(2);
      expect(senders).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [rule, 'Arn'] } } },
          }),
          expect.objectContaining({
            Effect: 'Allow',
            Principal: { Service: 'sns.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Condition: { ArnEquals: { 'aws:SourceArn': { Ref: topic } } },
          }),
        ]),
      );
    });

    it('lets EventBridge start the state machine, and only that, through a role of its own', () => {
      const { template } = synthApp();
      const machine = Object.keys(template.findResources('AWS::StepFunctions::StateMachine'))[0] as string;
      const eventsRoles = template.findResources('AWS::IAM::Role', {
        Properties: {
          AssumeRolePolicyDocument: Match.objectLike({
            Statement: [Match.objectLike({ Principal: { Service: 'events.amazonaws.com' } })],
          }),
        },
      });
      const roleId = Object.keys(eventsRoles)[0] as string;
      const policies = Object.values(
        template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }),
      );
      expect(policies.flatMap((p) => p.Properties.PolicyDocument.Statement)).toEqual([
        { Action: 'states:StartExecution', Effect: 'Allow', Resource: { Ref: machine } },
      ]);
      template.resourceCountIs('AWS::Lambda::Permission', 0);
    });

    it('conditions every service-principal Allow on its source, with or without Slack and email', () => {
      // CloudWatch Logs names the log group it encrypts for in the KMS encryption context.
      const source = /aws:SourceArn|kms:EncryptionContext:aws:logs:arn/;
      for (const context of [
        {},
        { alertEmails: 'a@example.com', slackWorkspaceId: 'T0123ABCD', slackChannelId: 'C0123ABCD' },
      ]) {
        const allows = servicePrincipalStatements(synthApp(context).template);
        expect(allows.length).toBeGreaterThan(0);
        for (const statement of allows) {
          expect(JSON.stringify(statement.Condition ?? {}), JSON.stringify(statement)).toMatch(source);
        }
      }
    });
  });

  it('keeps finding state in a retained, recoverable on-demand table', () => {
    const { template } = synthApp();
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        SSESpecification: { SSEEnabled: true },
      },
    });
  });

  describe('alarms', () => {
    const topicRef = { Ref: Match.stringLikeRegexp('Alerts') };

    it('alarms on any function error', () => {
      const { template } = synthApp();
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionLogicalId(template) } }],
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [topicRef],
      });
    });

    it('alarms when no audit succeeded for two schedule periods, missing data included', () => {
      const { template } = synthApp();
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'IvsChatAuditor',
        MetricName: 'AuditSucceeded',
        Dimensions: [
          { Name: 'Auditor', Value: 'IvsChatAuditor/Auditor' },
          { Name: 'service', Value: 'ivschat-auditor' },
        ],
        Statistic: 'Sum',
        Period: 3600,
        EvaluationPeriods: 2,
        DatapointsToAlarm: 2,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'breaching',
        AlarmActions: [topicRef],
        OKActions: [topicRef],
      });
    });

    it('follows the schedule interval, in day-long periods beyond a day', () => {
      const minutes = synthApp({ schedule: 'rate(15 minutes)' }).template;
      minutes.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'AuditSucceeded',
        Period: 900,
        EvaluationPeriods: 2,
      });
      const days = synthApp({ schedule: 'rate(2 days)' }).template;
      days.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'AuditSucceeded',
        Period: 86400,
        EvaluationPeriods: 4,
      });
    });

    it('alarms when anything lands in the dead-letter queue', () => {
      const { template } = synthApp();
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [topicRef],
      });
    });
  });

  describe('Slack', () => {
    it('connects the channel with a read-only guardrail and a role without permissions', () => {
      const { template } = synthApp({ slackWorkspaceId: 'T0123ABCD', slackChannelId: 'C0123ABCD' });
      template.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
        SlackWorkspaceId: 'T0123ABCD',
        SlackChannelId: 'C0123ABCD',
        SnsTopicArns: [{ Ref: Match.stringLikeRegexp('Alerts') }],
        GuardrailPolicies: [
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/ReadOnlyAccess']] },
        ],
        IamRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('SlackChannelRole'), 'Arn'] },
      });
      const chatbotRole = template.findResources('AWS::IAM::Role', {
        Properties: {
          AssumeRolePolicyDocument: Match.objectLike({
            Statement: [Match.objectLike({ Principal: { Service: 'chatbot.amazonaws.com' } })],
          }),
        },
      });
      const [roleId, role] = Object.entries(chatbotRole)[0] ?? [];
      expect(role?.Properties.ManagedPolicyArns).toBeUndefined();
      expect(role?.Properties.Policies).toBeUndefined();
      template.resourcePropertiesCountIs(
        'AWS::IAM::Policy',
        { Roles: Match.arrayWith([{ Ref: roleId }]) },
        0,
      );
    });
  });
});

describe('Construct: IvsChatAuditor, opt-in sinks', () => {
  it('grants exactly BatchImportFindings on the default products and PutEvents on the bus, nothing else new', () => {
    const plain = functionRoleStatements(synthApp({ regions: 'us-east-1,eu-west-1' }).template);
    const withSinks = functionRoleStatements(
      synthApp({ regions: 'us-east-1,eu-west-1', securityHub: 'true', eventBus: 'default' }).template,
    );
    const plainJson = new Set(plain.map((s) => JSON.stringify(s)));
    const added = withSinks.filter((s) => !plainJson.has(JSON.stringify(s)));
    expect(actionsOf(added).sort()).toEqual(['events:PutEvents', 'securityhub:BatchImportFindings']);
    const hub = JSON.stringify(added.find((s) => actionsOf([s]).includes('securityhub:BatchImportFindings')));
    expect(hub).toContain(':securityhub:us-east-1:');
    expect(hub).toContain(':securityhub:eu-west-1:');
    expect(hub).toContain('/default');
    expect(hub).not.toContain('"*"');
    const bus = JSON.stringify(added.find((s) => actionsOf([s]).includes('events:PutEvents')));
    expect(bus).toContain(':event-bus/default');
  });
});
