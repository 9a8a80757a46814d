import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { IvsChatAuditor } from '../../lib/ivschat-auditor.js';
import { NO_BUNDLING, synthApp } from './synth.js';

const ENV = { account: '123456789012', region: 'us-east-1' };

/** A stack of the user's own with whatever auditors `build` adds (bundling skipped). */
function userStack(build: (stack: Stack) => void): Template {
  const app = new App({ context: NO_BUNDLING });
  const stack = new Stack(app, 'UserStack', { env: ENV });
  build(stack);
  return Template.fromStack(stack);
}

type Alarm = { Properties: { MetricName?: string; Namespace?: string; Dimensions?: unknown[] } };

const customAlarms = (template: Template) =>
  Object.values(template.findResources('AWS::CloudWatch::Alarm') as Record<string, Alarm>).filter(
    (alarm) => alarm.Properties.Namespace === 'IvsChatAuditor',
  );

interface Widget {
  type: string;
  properties: {
    title: string;
    query?: string;
    metrics?: unknown[][];
    annotations?: { horizontal?: Array<{ value: number; label: string }> };
  };
}

/** The dashboard's widgets; the body's tokens (region, log group) become `<Ref>` placeholders. */
function dashboardWidgets(template: Template): Widget[] {
  const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  expect(dashboards).toHaveLength(1);
  const [dashboard] = dashboards as Array<{
    Properties: { DashboardBody: { 'Fn::Join': [string, unknown[]] } };
  }>;
  const [, parts] = dashboard?.Properties.DashboardBody['Fn::Join'] ?? ['', []];
  const body = parts
    .map((part) => (typeof part === 'string' ? part : `<${(part as { Ref: string }).Ref}>`))
    .join('');
  return (JSON.parse(body) as { widgets: Widget[] }).widgets;
}

/** Synthesized once for the tests that only read it (a first synth in a worker is slow). */
const defaults = synthApp({ apiBudgetTps: '2' });

describe('Monitoring: alarms', () => {
  it('alarms when a target has failed targetFailureAlarmRuns runs in a row', () => {
    const { template } = synthApp({ targetFailureAlarmRuns: '5' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'IvsChatAuditor',
      MetricName: 'MaxConsecutiveTargetFailures',
      Dimensions: [
        { Name: 'Auditor', Value: 'IvsChatAuditor/Auditor' },
        { Name: 'service', Value: 'ivschat-auditor' },
      ],
      Statistic: 'Maximum',
      Threshold: 5,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('Alerts') }],
    });
  });

  it('alarms after 3 failed runs in a row by default', () => {
    defaults.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'MaxConsecutiveTargetFailures',
      Threshold: 3,
    });
  });

  it('alarms on runs that failed, timed out or were aborted', () => {
    const { template } = defaults;
    const machine = Object.keys(template.findResources('AWS::StepFunctions::StateMachine'))[0] as string;
    const alarm = Object.values(template.findResources('AWS::CloudWatch::Alarm')).find((a) =>
      JSON.stringify(a.Properties.Metrics ?? []).includes('ExecutionsFailed'),
    );
    const metrics = JSON.stringify(alarm?.Properties.Metrics);
    for (const name of ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted']) {
      expect(metrics).toContain(name);
    }
    expect(metrics).toContain(machine);
    expect(alarm?.Properties).toMatchObject({
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: expect.stringMatching(/Alerts/) }],
    });
  });

  it('keeps the alarms of two auditors in one stack apart by their Auditor dimension', () => {
    const template = userStack((stack) => {
      new IvsChatAuditor(stack, 'Prod', {
        members: { accounts: ['111111111111'], functionRoleName: 'prod-auditor' },
      });
      new IvsChatAuditor(stack, 'Staging', {
        members: { accounts: ['222222222222'], functionRoleName: 'staging-auditor' },
      });
    });
    const alarms = customAlarms(template);
    const byAuditor = new Map<string, string[]>();
    for (const alarm of alarms) {
      const dimensions = alarm.Properties.Dimensions as Array<{ Name: string; Value: string }>;
      expect(dimensions.map((d) => d.Name)).toEqual(['Auditor', 'service']);
      const auditor = dimensions[0]?.Value as string;
      byAuditor.set(auditor, [...(byAuditor.get(auditor) ?? []), alarm.Properties.MetricName as string]);
    }
    expect([...byAuditor.keys()].sort()).toEqual(['UserStack/Prod', 'UserStack/Staging']);
    expect(byAuditor.get('UserStack/Prod')?.sort()).toEqual(byAuditor.get('UserStack/Staging')?.sort());
    // The dimension is the function's AUDITOR_NAME, one source for both.
    for (const name of ['UserStack/Prod', 'UserStack/Staging']) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ AUDITOR_NAME: name }) },
      });
    }
  });
});

describe('Monitoring: dashboard', () => {
  it('shows findings by severity and by account, targets per run, API calls against the budget, run duration, change events', () => {
    const { stack, template } = defaults;
    expect(stack.auditor.dashboard.dashboardName).toBeDefined();
    const widgets = dashboardWidgets(template);
    const byTitle = new Map(widgets.map((w) => [w.properties.title, w]));
    expect([...byTitle.keys()]).toEqual([
      'Open findings by severity',
      'Open findings by account',
      'Targets per run',
      'IVS Chat calls per invocation, against the budget',
      'Run duration (minutes)',
      'Change events: oldest waiting (seconds) and dead letters',
    ]);
    const metricNames = (title: string) =>
      (byTitle.get(title)?.properties.metrics ?? [])
        .filter((m) => m[0] === 'IvsChatAuditor')
        .map((m) => m[1]);
    expect(metricNames('Open findings by severity')).toEqual(
      ['critical', 'high', 'medium', 'low', 'info'].map((s) => `Findings_${s}`),
    );
    expect(metricNames('Targets per run')).toEqual(['TargetsAudited', 'TargetsNotAudited']);
    expect(metricNames('IVS Chat calls per invocation, against the budget')).toEqual([
      'ApiCalls',
      'ApiCalls',
    ]);
    expect(metricNames('Run duration (minutes)')).toEqual(['RunDurationMs']);
    // Every metric is this auditor's.
    for (const widget of widgets) {
      for (const metric of (widget.properties.metrics ?? []).filter((m) => m[0] === 'IvsChatAuditor')) {
        expect(metric.slice(2, 6)).toEqual([
          'Auditor',
          'IvsChatAuditor/Auditor',
          'service',
          'ivschat-auditor',
        ]);
      }
    }
    // The findings-by-account chart reads the aggregate step's log lines in the function's log group.
    const logWidget = byTitle.get('Open findings by account');
    expect(logWidget?.type).toBe('log');
    expect(logWidget?.properties.query).toMatch(/^SOURCE '<AuditorLogs[0-9A-F]+>'/);
    expect(logWidget?.properties.query).toContain('filter message = "findings by account"');
    expect(logWidget?.properties.query).toContain('stats max(open) as openFindings by bin(1h), accountId');
    // Budget per invocation: 2/s × 2 operations × 900 s.
    const budget = byTitle.get('IVS Chat calls per invocation, against the budget')?.properties.annotations;
    expect(budget?.horizontal?.map((a) => a.value)).toEqual([3600]);
    const changes = byTitle.get('Change events: oldest waiting (seconds) and dead letters')?.properties;
    expect(changes?.metrics?.map((m) => m.slice(0, 2))).toEqual([
      ['AWS/SQS', 'ApproximateAgeOfOldestMessage'],
      ['AWS/SQS', 'ApproximateNumberOfMessagesVisible'],
    ]);
    expect(changes?.annotations?.horizontal?.map((a) => a.value)).toEqual([900]);
  });

  it('leaves the change-events graph out with changeEvents=false', () => {
    const titles = dashboardWidgets(synthApp({ changeEvents: 'false' }).template).map(
      (w) => w.properties.title,
    );
    expect(titles).not.toContain('Change events: oldest waiting (seconds) and dead letters');
    expect(titles).toHaveLength(5);
  });
});

describe('Alerts: an existing topic', () => {
  it('publishes to a given topic and its key, and creates neither', () => {
    const topicArn = 'arn:aws:sns:us-east-1:123456789012:security-alerts';
    const keyArn = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555';
    let auditor: IvsChatAuditor | undefined;
    const template = userStack((stack) => {
      auditor = new IvsChatAuditor(stack, 'Audit', {
        alerts: {
          topic: sns.Topic.fromTopicArn(stack, 'Topic', topicArn),
          topicKey: kms.Key.fromKeyArn(stack, 'Key', keyArn),
          emails: ['ops@example.com'],
        },
      });
    });
    expect(auditor?.topic.topicArn).toBe(topicArn);
    template.resourceCountIs('AWS::SNS::Topic', 0);
    template.resourceCountIs('AWS::SNS::TopicPolicy', 0);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ ALERT_TOPIC_ARN: topicArn }) },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      TopicArn: topicArn,
      Endpoint: 'ops@example.com',
    });
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as Array<{ Action: unknown; Resource: unknown }>,
    );
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Action: 'sns:Publish', Resource: topicArn }),
        expect.objectContaining({ Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: keyArn }),
      ]),
    );
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toEqual([topicArn]);
    }
  });

  it('grants no key use for a given topic without a key', () => {
    const template = userStack((stack) => {
      new IvsChatAuditor(stack, 'Audit', {
        alerts: { topic: sns.Topic.fromTopicArn(stack, 'Topic', 'arn:aws:sns:us-east-1:123456789012:plain') },
      });
    });
    template.resourceCountIs('AWS::KMS::Key', 1); // the state machine's log key only
    const actions = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) =>
      (p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[] }>).flatMap((s) =>
        [s.Action].flat(),
      ),
    );
    expect(actions).not.toContain('kms:GenerateDataKey');
  });
});
