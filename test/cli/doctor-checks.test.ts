import type { Subscription } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import type { Deployment } from '../../lambda/cli/deployment.js';
import { emailCheck, slackCheck } from '../../lambda/cli/doctor/alert-checks.js';
import { CallBudget, DoctorClients } from '../../lambda/cli/doctor/calls.js';
import { logsManagementWrites } from '../../lambda/cli/doctor/change-checks.js';
import type { DoctorContext } from '../../lambda/cli/doctor/context.js';

const TOPIC = 'arn:aws:sns:us-east-1:000000000000:alerts';
const ctx = (sinks: Partial<Deployment['sinks']>): DoctorContext => ({
  deployment: {
    stackName: 'IvsChatAuditor',
    alertsTopicArn: TOPIC,
    sinks: { emailCount: 1, slack: true, securityHub: false, ...sinks },
  } as Deployment,
  clients: new DoctorClients(new CallBudget(0), {}),
  now: new Date(),
});
const sub = (Protocol: string, Endpoint: string, SubscriptionArn = `${TOPIC}:1`): Subscription => ({
  TopicArn: TOPIC,
  Protocol,
  Endpoint,
  SubscriptionArn,
});

describe('the Slack check', () => {
  it('fails when Slack is configured and no Amazon Q Developer subscription is on the topic', () => {
    const result = slackCheck(ctx({}), [sub('email', 'ops@example.com')]);
    expect(result.status).toBe('fail');
    expect(result.fix).toMatch(/Amazon Q Developer in chat applications → Configured clients → Slack/);
  });

  it('does not take a look-alike endpoint for Amazon Q Developer', () => {
    const spoof = sub('https', 'https://evil.example/global.sns-api.chatbot.amazonaws.com');
    expect(slackCheck(ctx({}), [spoof]).status).toBe('fail');
    expect(slackCheck(ctx({}), [sub('https', 'https://global.sns-api.chatbot.amazonaws.com')]).status).toBe(
      'pass',
    );
  });

  it('is not configured, not failed, without Slack settings', () => {
    expect(slackCheck(ctx({ slack: false }), []).status).toBe('skip');
  });
});

describe('the email check', () => {
  it('fails when fewer addresses are subscribed than alertEmails configured', () => {
    const result = emailCheck(ctx({ emailCount: 2 }), [sub('email', 'ops@example.com')]);
    expect(result.status).toBe('fail');
    expect(result.evidence.join('\n')).toMatch(/an address configured has no subscription/);
    // Deploying again does not re-create a subscription SNS deleted unconfirmed: subscribe it again.
    expect(result.fix).toBe(
      `subscribe the missing address again and have it confirm: aws sns subscribe --topic-arn ${TOPIC} --protocol email --notification-endpoint <address>`,
    );
  });
});

describe('which trail selectors log IVS Chat management write events', () => {
  it.each([
    ['basic, all', [{ ReadWriteType: 'All' as const, IncludeManagementEvents: true }], undefined, true],
    [
      'basic, write only',
      [{ ReadWriteType: 'WriteOnly' as const, IncludeManagementEvents: true }],
      undefined,
      true,
    ],
    [
      'basic, read only',
      [{ ReadWriteType: 'ReadOnly' as const, IncludeManagementEvents: true }],
      undefined,
      false,
    ],
    [
      'basic, data events only',
      [{ ReadWriteType: 'All' as const, IncludeManagementEvents: false }],
      undefined,
      false,
    ],
    [
      'advanced, management',
      undefined,
      [{ FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] }],
      true,
    ],
    [
      'advanced, management without ivschat',
      undefined,
      [
        {
          FieldSelectors: [
            { Field: 'eventCategory', Equals: ['Management'] },
            { Field: 'eventSource', NotEquals: ['ivschat.amazonaws.com'] },
          ],
        },
      ],
      false,
    ],
    [
      'advanced, only other sources',
      undefined,
      [
        {
          FieldSelectors: [
            { Field: 'eventCategory', Equals: ['Management'] },
            { Field: 'eventSource', Equals: ['s3.amazonaws.com'] },
          ],
        },
      ],
      false,
    ],
    [
      'advanced, data events',
      undefined,
      [{ FieldSelectors: [{ Field: 'eventCategory', Equals: ['Data'] }] }],
      false,
    ],
    ['none at all', [], undefined, false],
  ])('%s', (_name, basic, advanced, logs) => {
    expect(logsManagementWrites(basic, advanced)).toBe(logs);
  });
});
