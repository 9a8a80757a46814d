/**
 * Conformance: the read calls of a deployed auditor (CloudFormation DescribeStacks, CloudTrail
 * DescribeTrails / GetTrailStatus / GetEventSelectors, SQS GetQueueAttributes, CloudWatch
 * DescribeAlarms / GetMetricData, Step Functions ListExecutions, EventBridge DescribeRule /
 * DescribeEventBus / ListRuleNamesByTarget, SNS ListSubscriptionsByTopic, Security Hub DescribeHub)
 * answered to the real SDK clients, including the errors each model names.
 */
import {
  CloudFormationClient,
  DescribeStacksCommand,
  GetTemplateCommand,
} from '@aws-sdk/client-cloudformation';
import {
  CloudTrailClient,
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
} from '@aws-sdk/client-cloudtrail';
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeEventBusCommand,
  DescribeRuleCommand,
  EventBridgeClient,
  ListRuleNamesByTargetCommand,
} from '@aws-sdk/client-eventbridge';
import { GetRoomCommand } from '@aws-sdk/client-ivschat';
import { DescribeHubCommand } from '@aws-sdk/client-securityhub';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { ListSubscriptionsByTopicCommand } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalAws, startLocalAws } from '../../local-aws/index.js';
import { credentials, eventBridge, ivschat, rejection, securityHub, sns, sts } from './helpers.js';

const R = 'eu-west-1';
const ACCOUNT = '000000000000';
let aws: LocalAws;
const client = <C>(Make: new (config: object) => C, region = R): C =>
  new Make({ endpoint: aws.endpoint, region, credentials, maxAttempts: 1 });

beforeAll(async () => {
  aws = await startLocalAws();
});
afterAll(() => aws.close());
beforeEach(async () => {
  await fetch(`${aws.endpoint}/_local/deployment`, { method: 'DELETE' });
  aws.setFaults({});
});

describe('CloudFormation DescribeStacks', () => {
  it('answers a seeded stack with its outputs, by name and by stack id', async () => {
    aws.seedDeployment({ stacks: [{ name: 'IvsChatAuditor', region: R, outputs: { A: 'a&<b>', B: 'b' } }] });
    const cfn = client(CloudFormationClient);
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: 'IvsChatAuditor' }));
    expect(Stacks?.[0]).toMatchObject({ StackName: 'IvsChatAuditor', StackStatus: 'CREATE_COMPLETE' });
    expect(Stacks?.[0]?.CreationTime).toBeInstanceOf(Date);
    expect(Stacks?.[0]?.Outputs).toEqual([
      { OutputKey: 'A', OutputValue: 'a&<b>' },
      { OutputKey: 'B', OutputValue: 'b' },
    ]);
    const byId = await cfn.send(new DescribeStacksCommand({ StackName: Stacks?.[0]?.StackId }));
    expect(byId.Stacks?.[0]?.StackName).toBe('IvsChatAuditor');
  });

  it('answers an unknown stack (or one of another region) with ValidationError "does not exist"', async () => {
    aws.seedDeployment({ stacks: [{ name: 'IvsChatAuditor', region: 'us-east-1' }] });
    const error = await rejection(
      client(CloudFormationClient).send(new DescribeStacksCommand({ StackName: 'IvsChatAuditor' })),
    );
    expect(error).toMatchObject({ name: 'ValidationError', $metadata: { httpStatusCode: 400 } });
    expect(error.message).toBe('Stack with id IvsChatAuditor does not exist');
  });
});

describe('CloudFormation: a deployed stack, GetTemplate and its rooms (the IaC drift reads)', () => {
  const TEMPLATE = {
    Parameters: { Length: { Type: 'Number', Default: 200 }, Secret: { Type: 'String', NoEcho: true } },
    Resources: {
      Room: {
        Type: 'AWS::IVSChat::Room',
        Properties: {
          Name: 'lobby',
          MaximumMessageLength: { Ref: 'Length' },
          Tags: [{ Key: 'owner', Value: 'a&<b>' }],
        },
      },
    },
  };

  it('describes parameters (NoEcho masked), tags and LastUpdatedTime after an update', async () => {
    const { stackId } = aws.deployStack({
      name: 'Chat',
      region: R,
      template: TEMPLATE,
      parameters: { Length: '300', Secret: 's3cret' },
      noEcho: ['Secret'],
      tags: { team: 'video' },
    });
    const cfn = client(CloudFormationClient);
    const first = (await cfn.send(new DescribeStacksCommand({ StackName: stackId }))).Stacks?.[0];
    expect(first?.Parameters).toEqual([
      { ParameterKey: 'Length', ParameterValue: '300' },
      { ParameterKey: 'Secret', ParameterValue: '****' },
    ]);
    expect(first?.Tags).toEqual([{ Key: 'team', Value: 'video' }]);
    expect(first?.LastUpdatedTime).toBeUndefined();
    aws.deployment().cloudFormation.update(stackId);
    const second = (await cfn.send(new DescribeStacksCommand({ StackName: stackId }))).Stacks?.[0];
    expect(second?.LastUpdatedTime).toBeInstanceOf(Date);
    expect(second?.LastUpdatedTime?.getTime()).toBeGreaterThan(second?.CreationTime?.getTime() ?? 0);
  });

  it('answers GetTemplate (Processed or Original) with the template text, and refuses another stage or stack', async () => {
    const { stackId } = aws.deployStack({ name: 'Chat', region: R, template: TEMPLATE });
    const cfn = client(CloudFormationClient);
    const answer = await cfn.send(new GetTemplateCommand({ StackName: stackId, TemplateStage: 'Processed' }));
    expect(JSON.parse(answer.TemplateBody ?? '')).toEqual(TEMPLATE);
    expect(answer.StagesAvailable).toEqual(['Original', 'Processed']);
    const byName = await cfn.send(new GetTemplateCommand({ StackName: 'Chat' }));
    expect(byName.TemplateBody).toBe(answer.TemplateBody);
    const stage = await rejection(
      cfn.send(new GetTemplateCommand({ StackName: 'Chat', TemplateStage: 'Final' as 'Processed' })),
    );
    expect(stage).toMatchObject({ name: 'ValidationError', $metadata: { httpStatusCode: 400 } });
    const unknown = await rejection(cfn.send(new GetTemplateCommand({ StackName: 'Nope' })));
    expect(unknown.message).toBe('Stack with id Nope does not exist');
  });

  it("creates the template's rooms with the stack's tags and CloudFormation's aws:cloudformation tags", async () => {
    const { stackId, rooms } = aws.deployStack({
      name: 'Chat',
      region: R,
      template: TEMPLATE,
      parameters: { Length: '300' },
      tags: { team: 'video' },
    });
    const room = await ivschat(aws, { region: R }).send(new GetRoomCommand({ identifier: rooms.Room?.arn }));
    expect(room).toMatchObject({ name: 'lobby', maximumMessageLength: 300, maximumMessageRatePerSecond: 10 });
    expect(room.tags).toEqual({
      owner: 'a&<b>',
      team: 'video',
      'aws:cloudformation:stack-name': 'Chat',
      'aws:cloudformation:logical-id': 'Room',
      'aws:cloudformation:stack-id': stackId,
    });
    expect(stackId).toMatch(new RegExp(`^arn:aws:cloudformation:${R}:${ACCOUNT}:stack/Chat/`));
  });
});

describe('CloudTrail reads', () => {
  it('lists home and shadow trails, and names a shadow trail by ARN only', async () => {
    aws.seedDeployment({
      trails: [
        { name: 'org-trail', homeRegion: 'us-east-1', multiRegion: true },
        { name: 'local-trail', homeRegion: R, logging: false },
      ],
    });
    const ct = client(CloudTrailClient);
    const all = await ct.send(new DescribeTrailsCommand({}));
    expect(all.trailList?.map((t) => [t.Name, t.HomeRegion, t.IsMultiRegionTrail])).toEqual([
      ['org-trail', 'us-east-1', true],
      ['local-trail', R, false],
    ]);
    const home = await ct.send(new DescribeTrailsCommand({ includeShadowTrails: false }));
    expect(home.trailList?.map((t) => t.Name)).toEqual(['local-trail']);
    const shadowArn = `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/org-trail`;
    expect((await ct.send(new GetTrailStatusCommand({ Name: shadowArn }))).IsLogging).toBe(true);
    expect((await ct.send(new GetTrailStatusCommand({ Name: 'local-trail' }))).IsLogging).toBe(false);
    const byName = await rejection(ct.send(new GetTrailStatusCommand({ Name: 'org-trail' })));
    expect(byName).toMatchObject({ name: 'TrailNotFoundException', $metadata: { httpStatusCode: 400 } });
  });

  it('answers basic selectors by default and advanced ones when the trail has them', async () => {
    aws.seedDeployment({
      trails: [
        { name: 'basic', homeRegion: R },
        {
          name: 'advanced',
          homeRegion: R,
          advancedEventSelectors: [
            { Name: 'mgmt', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] },
          ],
        },
      ],
    });
    const ct = client(CloudTrailClient);
    const basic = await ct.send(new GetEventSelectorsCommand({ TrailName: 'basic' }));
    expect(basic.EventSelectors).toEqual([
      {
        ReadWriteType: 'All',
        IncludeManagementEvents: true,
        DataResources: [],
        ExcludeManagementEventSources: [],
      },
    ]);
    expect(basic.AdvancedEventSelectors).toBeUndefined();
    const advanced = await ct.send(new GetEventSelectorsCommand({ TrailName: 'advanced' }));
    expect(advanced.AdvancedEventSelectors?.[0]?.FieldSelectors).toEqual([
      { Field: 'eventCategory', Equals: ['Management'] },
    ]);
    expect(advanced.EventSelectors).toBeUndefined();
    expect(advanced.TrailARN).toBe(`arn:aws:cloudtrail:${R}:${ACCOUNT}:trail/advanced`);
  });
});

describe('SQS GetQueueAttributes', () => {
  it('answers the counts asked for, as strings', async () => {
    aws.seedDeployment({ queues: [{ name: 'changes-dlq', region: R, visible: 3, inFlight: 1 }] });
    const sqs = client(SQSClient);
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: `https://sqs.${R}.amazonaws.com/${ACCOUNT}/changes-dlq`,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    expect(Attributes).toEqual({
      ApproximateNumberOfMessages: '3',
      ApproximateNumberOfMessagesNotVisible: '1',
    });
  });

  it('answers QueueDoesNotExist for an unknown queue and InvalidAttributeName for an unknown attribute', async () => {
    aws.seedDeployment({ queues: [{ name: 'q', region: R }] });
    const sqs = client(SQSClient);
    const missing = await rejection(
      sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: `https://sqs.${R}.amazonaws.com/${ACCOUNT}/nope`,
          AttributeNames: ['All'],
        }),
      ),
    );
    expect(missing).toMatchObject({ name: 'QueueDoesNotExist', $metadata: { httpStatusCode: 400 } });
    const badName = await rejection(
      sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: `https://sqs.${R}.amazonaws.com/${ACCOUNT}/q`,
          // biome-ignore lint/suspicious/noExplicitAny: a name the model's enum does not hold
          AttributeNames: ['ApproximateAgeOfOldestMessage' as any],
        }),
      ),
    );
    expect(badName).toMatchObject({ name: 'InvalidAttributeName' });
  });
});

describe('CloudWatch reads', () => {
  it('describes alarms by name and by state, paging with NextToken', async () => {
    aws.seedDeployment({
      alarms: [
        { name: 'a-errors', region: R },
        { name: 'a-dlq', region: R, state: 'ALARM', reason: 'Threshold Crossed: 1 datapoint [2.0]' },
        { name: 'other', region: 'us-east-1' },
      ],
    });
    const cw = client(CloudWatchClient);
    const firing = await cw.send(new DescribeAlarmsCommand({ StateValue: 'ALARM' }));
    expect(firing.MetricAlarms?.map((a) => [a.AlarmName, a.StateValue])).toEqual([['a-dlq', 'ALARM']]);
    expect(firing.MetricAlarms?.[0]?.StateUpdatedTimestamp).toBeInstanceOf(Date);
    const page = await cw.send(
      new DescribeAlarmsCommand({ AlarmNames: ['a-errors', 'a-dlq'], MaxRecords: 1 }),
    );
    expect(page.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['a-dlq']);
    const rest = await cw.send(
      new DescribeAlarmsCommand({ AlarmNames: ['a-errors', 'a-dlq'], NextToken: page.NextToken }),
    );
    expect(rest.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['a-errors']);
    expect(rest.NextToken).toBeUndefined();
  });

  it('refuses AlarmNames with AlarmNamePrefix, and more than 100 names', async () => {
    const cw = client(CloudWatchClient);
    const both = await rejection(
      cw.send(new DescribeAlarmsCommand({ AlarmNames: ['a'], AlarmNamePrefix: 'a' })),
    );
    expect(both).toMatchObject({
      name: 'InvalidParameterCombinationException',
      $metadata: { httpStatusCode: 400 },
    });
    const many = await rejection(
      cw.send(new DescribeAlarmsCommand({ AlarmNames: Array.from({ length: 101 }, (_, i) => `a${i}`) })),
    );
    expect(many).toMatchObject({ name: 'InvalidParameterValueException' });
  });

  it('answers GetMetricData with the maximum per period, newest first', async () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    const at = (minutesAgo: number) => new Date(now - minutesAgo * 60_000).toISOString();
    aws.seedDeployment({
      metrics: [
        {
          region: R,
          namespace: 'AWS/SQS',
          metricName: 'ApproximateAgeOfOldestMessage',
          dimensions: { QueueName: 'changes' },
          points: [
            { time: at(14), value: 30 },
            { time: at(12), value: 90 },
            { time: at(3), value: 12 },
          ],
        },
      ],
    });
    const cw = client(CloudWatchClient);
    const { MetricDataResults } = await cw.send(
      new GetMetricDataCommand({
        StartTime: new Date(now - 15 * 60_000),
        EndTime: new Date(now),
        MetricDataQueries: [
          {
            Id: 'age',
            MetricStat: {
              Metric: {
                Namespace: 'AWS/SQS',
                MetricName: 'ApproximateAgeOfOldestMessage',
                Dimensions: [{ Name: 'QueueName', Value: 'changes' }],
              },
              Period: 600,
              Stat: 'Maximum',
            },
          },
        ],
      }),
    );
    expect(MetricDataResults?.[0]).toMatchObject({ Id: 'age', StatusCode: 'Complete', Values: [12, 90] });
    expect(MetricDataResults?.[0]?.Timestamps?.[0]).toBeInstanceOf(Date);
  });
});

describe('Step Functions ListExecutions', () => {
  const machine = `arn:aws:states:${R}:${ACCOUNT}:stateMachine:engine`;
  it('lists executions newest first, filtered by status and paged', async () => {
    aws.seedDeployment({
      executions: [
        {
          stateMachineArn: machine,
          name: 'old',
          status: 'FAILED',
          startDate: '2026-01-01T00:00:00Z',
          stopDate: '2026-01-01T00:01:00Z',
        },
        {
          stateMachineArn: machine,
          name: 'new',
          status: 'SUCCEEDED',
          startDate: '2026-01-01T01:00:00Z',
          stopDate: '2026-01-01T01:01:00Z',
        },
      ],
    });
    const sfn = client(SFNClient);
    const first = await sfn.send(new ListExecutionsCommand({ stateMachineArn: machine, maxResults: 1 }));
    expect(first.executions?.map((e) => [e.name, e.status])).toEqual([['new', 'SUCCEEDED']]);
    expect(first.executions?.[0]?.stopDate).toEqual(new Date('2026-01-01T01:01:00Z'));
    const next = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: machine, nextToken: first.nextToken }),
    );
    expect(next.executions?.map((e) => e.name)).toEqual(['old']);
    const failed = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: machine, statusFilter: 'FAILED' }),
    );
    expect(failed.executions?.map((e) => e.name)).toEqual(['old']);
  });

  it('answers StateMachineDoesNotExist and InvalidArn', async () => {
    const sfn = client(SFNClient);
    expect(await rejection(sfn.send(new ListExecutionsCommand({ stateMachineArn: machine })))).toMatchObject({
      name: 'StateMachineDoesNotExist',
    });
    expect(await rejection(sfn.send(new ListExecutionsCommand({ stateMachineArn: 'nope' })))).toMatchObject({
      name: 'InvalidArn',
    });
  });
});

describe('EventBridge rule and bus reads', () => {
  it('describes rules and the default bus, and finds rules by target', async () => {
    aws.seedDeployment({
      rules: [
        { name: 'schedule', region: R, scheduleExpression: 'rate(1 hour)', targets: ['arn:sm'] },
        { name: 'changes', region: R, state: 'DISABLED', eventPattern: '{"source":["aws.ivschat"]}' },
      ],
      eventBuses: [{ name: 'findings', region: R }],
    });
    const eb = eventBridge(aws, { region: R });
    expect(await eb.send(new DescribeRuleCommand({ Name: 'changes' }))).toMatchObject({
      Name: 'changes',
      State: 'DISABLED',
      EventBusName: 'default',
    });
    expect(await eb.send(new DescribeEventBusCommand({ Name: 'findings' }))).toMatchObject({
      Arn: `arn:aws:events:${R}:${ACCOUNT}:event-bus/findings`,
    });
    expect((await eb.send(new DescribeEventBusCommand({}))).Name).toBe('default');
    expect((await eb.send(new ListRuleNamesByTargetCommand({ TargetArn: 'arn:sm' }))).RuleNames).toEqual([
      'schedule',
    ]);
    expect(await rejection(eb.send(new DescribeRuleCommand({ Name: 'nope' })))).toMatchObject({
      name: 'ResourceNotFoundException',
    });
    expect(await rejection(eb.send(new DescribeEventBusCommand({ Name: 'nope' })))).toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });
});

describe('SNS ListSubscriptionsByTopic', () => {
  it('shows an unconfirmed email as PendingConfirmation and a confirmed one by its ARN', async () => {
    const topicArn = aws.createTopic(R, 'alerts');
    const [pending, confirmed] = aws.seedDeployment({
      subscriptions: [
        { topicArn, protocol: 'email', endpoint: 'ops@example.com', confirmed: false },
        { topicArn, protocol: 'https', endpoint: 'https://global.sns-api.chatbot.amazonaws.com' },
      ],
    });
    const { Subscriptions } = await sns(aws, { region: R }).send(
      new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }),
    );
    expect(Subscriptions).toEqual([
      {
        TopicArn: topicArn,
        Protocol: 'email',
        SubscriptionArn: 'PendingConfirmation',
        Owner: ACCOUNT,
        Endpoint: 'ops@example.com',
      },
      {
        TopicArn: topicArn,
        Protocol: 'https',
        SubscriptionArn: confirmed,
        Owner: ACCOUNT,
        Endpoint: 'https://global.sns-api.chatbot.amazonaws.com',
      },
    ]);
    expect(aws.confirmSubscription(pending as string)).toBe(true);
    const after = await sns(aws, { region: R }).send(
      new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }),
    );
    expect(after.Subscriptions?.[0]?.SubscriptionArn).toBe(pending);
  });

  it('answers NotFound for an unknown topic', async () => {
    const error = await rejection(
      sns(aws, { region: R, maxAttempts: 1 }).send(
        new ListSubscriptionsByTopicCommand({ TopicArn: `arn:aws:sns:${R}:${ACCOUNT}:none` }),
      ),
    );
    expect(error).toMatchObject({ name: 'NotFoundException', $metadata: { httpStatusCode: 404 } });
  });
});

describe('Security Hub DescribeHub', () => {
  it('answers the hub, or InvalidAccessException where Security Hub is not enabled', async () => {
    const hub = await securityHub(aws, { region: R }).send(new DescribeHubCommand({}));
    expect(hub.HubArn).toBe(`arn:aws:securityhub:${R}:${ACCOUNT}:hub/default`);
    aws.setFaults({ securityHubDisabledAccounts: [ACCOUNT] });
    expect(await rejection(securityHub(aws, { region: R }).send(new DescribeHubCommand({})))).toMatchObject({
      name: 'InvalidAccessException',
      $metadata: { httpStatusCode: 401 },
    });
  });
});

describe('the seed endpoint', () => {
  it('refuses a body that is not a seed, and a seed naming an unknown topic, with 400', async () => {
    const notJson = await fetch(`${aws.endpoint}/_local/deployment`, { method: 'POST', body: '[' });
    expect(notJson.status).toBe(400);
    const noTopic = await fetch(`${aws.endpoint}/_local/deployment`, {
      method: 'POST',
      body: JSON.stringify({
        subscriptions: [{ topicArn: 'arn:aws:sns:x:000000000000:t', protocol: 'email', endpoint: 'e' }],
      }),
    });
    expect(noTopic.status).toBe(400);
  });
});

describe('a session policy limits the deployment reads like any call', () => {
  it("refuses what the session may not do with each protocol's AccessDenied, and counts it as an error", async () => {
    const member = '111111111111';
    aws.addAccounts([member]);
    const res = await sts(aws).send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${member}:role/ivschat-auditor-member`,
        RoleSessionName: 'doctor',
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'ivschat:*', Resource: '*' }],
        }),
      }),
    );
    const session = {
      accessKeyId: res.Credentials?.AccessKeyId as string,
      secretAccessKey: res.Credentials?.SecretAccessKey as string,
      sessionToken: res.Credentials?.SessionToken as string,
    };
    const as = <C>(Make: new (config: object) => C): C =>
      new Make({ endpoint: aws.endpoint, region: R, credentials: session, maxAttempts: 1 });
    const rules = await rejection(
      as(EventBridgeClient).send(new ListRuleNamesByTargetCommand({ TargetArn: 'arn:x' })),
    );
    expect(rules).toMatchObject({ name: 'AccessDeniedException' });
    expect(rules.message).toContain('events:ListRuleNamesByTarget');
    expect(await rejection(as(CloudTrailClient).send(new DescribeTrailsCommand({})))).toMatchObject({
      name: 'AccessDeniedException',
    });
    expect(await rejection(as(CloudFormationClient).send(new DescribeStacksCommand({})))).toMatchObject({
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
    });
    expect(aws.stats(member)[R]?.ListRuleNamesByTarget).toMatchObject({ calls: 1, errors: 1 });
  });
});
