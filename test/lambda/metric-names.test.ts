/**
 * The missed-audit alarm watches a metric only a successful run emits: if the stack or the handler
 * renames the namespace, the metric or its dimension, the alarm fires forever and this test fails.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import {
  GetRoomCommand,
  type GetRoomCommandOutput,
  IvschatClient,
  ListLoggingConfigurationsCommand,
  ListRoomsCommand,
} from '@aws-sdk/client-ivschat';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHandler } from '../../lambda/handler.js';
import { synthApp } from '../cdk/synth.js';
import { ACCOUNT, compliantRoom } from '../fixtures.js';
import { emittedMetrics, missedAuditAlarmMetric } from './emf.js';

// The metrics must really be printed here (other suites disable them).
process.env.POWERTOOLS_METRICS_DISABLED = 'false';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const ivschat = mockClient(IvschatClient);
const sns = mockClient(SNSClient);
const sts = mockClient(STSClient);
afterEach(() => {
  ivschat.reset();
  sns.reset();
  sts.reset();
  vi.restoreAllMocks();
});

/** Runs the handler with its own Metrics (as the Lambda does) and returns what it printed. */
async function printedByOneRun(auditorName: string): Promise<string> {
  const room = compliantRoom({ name: 'long-messages', maximumMessageLength: 500 }, 'LongMsg00001');
  sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT });
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  ivschat.on(ListRoomsCommand).resolves({
    rooms: [{ arn: room.arn, id: room.id, name: room.name, updateTime: new Date(String(room.updateTime)) }],
  });
  ivschat.on(ListLoggingConfigurationsCommand).resolves({ loggingConfigurations: [] });
  ivschat.on(GetRoomCommand).resolves({
    ...room,
    createTime: new Date(String(room.createTime)),
    updateTime: new Date(String(room.updateTime)),
  } as GetRoomCommandOutput);
  const handler = createHandler({
    env: {
      AUDIT_REGIONS: 'us-east-1',
      ALERT_TOPIC_ARN: `arn:aws:sns:us-east-1:${ACCOUNT}:ivschat-alerts`,
      API_BUDGET_TPS: '5',
      AUDITOR_NAME: auditorName,
    },
    logger: new Logger({ serviceName: 'ivschat-auditor', logLevel: 'SILENT' }),
  });
  const printed: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    printed.push(String(chunk));
    return true;
  });
  const summary = await handler({});
  vi.restoreAllMocks();
  expect(summary).toMatchObject({ errors: 0, complete: true });
  return printed.join('');
}

describe('metric names: the stack and the handler agree', () => {
  it('a successful run emits the exact metric the missed-audit alarm watches', async () => {
    const { stack, template } = synthApp();
    const watched = missedAuditAlarmMetric(stack, template);

    // The function's AUDITOR_NAME as the template sets it: the alarm's dimension must be that value.
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
    const auditorName = String(fn?.Properties.Environment.Variables.AUDITOR_NAME);
    const emitted = emittedMetrics(await printedByOneRun(auditorName));

    expect(emitted.length).toBeGreaterThan(0);
    expect(emitted).toContainEqual({ ...watched, value: 1 });
  }, 120_000);
});
