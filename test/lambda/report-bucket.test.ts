/**
 * The single-account run with `reportBucket` on (REPORT_BUCKET): the run's HTML report is put in S3
 * before the alert is published, and the alert links it; a failed put is a warning and the alert
 * goes out without the link; with the setting off S3 is never called. AWS clients mocked
 * (aws-sdk-client-mock): S3 has no model in the emulator.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  GetRoomCommand,
  IvschatClient,
  ListLoggingConfigurationsCommand,
  ListRoomsCommand,
  type RoomSummary,
} from '@aws-sdk/client-ivschat';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RoomDocument } from '../../lambda/core/types.js';
import { createHandler } from '../../lambda/handler.js';
import { createScheduledAudit } from '../../lambda/modes/scheduled.js';
import { renderHtml } from '../../lambda/render/html.js';
import type { MachineAlert } from '../../lambda/sinks/sns-message.js';
import { ACCOUNT, compliantRoom } from '../fixtures.js';

process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const TOPIC = `arn:aws:sns:us-east-1:${ACCOUNT}:ivschat-alerts`;
const BUCKET = 'audit-reports';
const NOW = new Date('2026-12-06T20:00:00.000Z');
const KEY = `reports/${ACCOUNT}/2026-12-06T20-00-00.000Z.html`;
const LINK = `https://s3.console.aws.amazon.com/s3/object/${BUCKET}?region=us-east-1&bucketType=general&prefix=${encodeURIComponent(KEY)}`;
const ivschat = mockClient(IvschatClient);
const sns = mockClient(SNSClient);
const sts = mockClient(STSClient);
const s3 = mockClient(S3Client);

/** Calls in the order the run made them, across clients. */
let order: string[] = [];

function serveRooms(documents: RoomDocument[]) {
  ivschat.on(ListLoggingConfigurationsCommand).resolves({
    loggingConfigurations: documents.flatMap((r) =>
      (r.loggingConfigurations ?? []).map((c) => ({
        arn: c.arn,
        id: c.id,
        name: c.name,
        state: 'ACTIVE' as const,
        destinationConfiguration: { s3: { bucketName: c.destination ?? 'chat-logs' } },
      })),
    ),
  });
  const apiRoom = ({ loggingConfigurations: _c, ...room }: RoomDocument) => ({
    ...room,
    createTime: new Date(String(room.createTime)),
    updateTime: new Date(String(room.updateTime)),
  });
  ivschat.on(ListRoomsCommand).resolves({ rooms: documents.map(apiRoom) as RoomSummary[] });
  ivschat
    .on(GetRoomCommand)
    .callsFake(async ({ identifier }: { identifier: string }) =>
      apiRoom(documents.find((r) => r.arn === identifier) as RoomDocument),
    );
}

function recordingLogger() {
  const logger = new Logger({ serviceName: 'ivschat-auditor', logLevel: 'SILENT' });
  const warnings: { message: string; extra: unknown }[] = [];
  logger.warn = ((message: string, extra: unknown) =>
    void warnings.push({ message, extra })) as Logger['warn'];
  return { logger, warnings };
}

function deps(env: Record<string, string>, logger = recordingLogger().logger) {
  return {
    env: {
      AUDIT_REGIONS: 'us-east-1',
      AWS_REGION: 'us-east-1',
      ALERT_TOPIC_ARN: TOPIC,
      API_BUDGET_TPS: '5',
      ...env,
    },
    logger,
    metrics: new Metrics({ namespace: 'Test', serviceName: 'ivschat-auditor', logger }),
    now: () => NOW,
  };
}

function published(): {
  email: string;
  slack: { content: { nextSteps: string[] } };
  machine: MachineAlert;
} {
  const [call] = sns.commandCalls(PublishCommand);
  const message = JSON.parse(String(call?.args[0].input.Message)) as Record<string, string>;
  return {
    email: String(message.email),
    slack: JSON.parse(String(message.default)),
    machine: JSON.parse(String(message.sqs)),
  };
}

const ROOMS = [
  compliantRoom({ name: 'clean-room' }, 'Clean0000001'),
  compliantRoom({ name: '<img src=x onerror=alert(1)>', maximumMessageLength: 500 }, 'LongMsg00001'),
];

beforeEach(() => {
  order = [];
  sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT });
  sns.on(PublishCommand).callsFake(async () => {
    order.push('sns:Publish');
    return { MessageId: 'm-1' };
  });
  s3.on(PutObjectCommand).callsFake(async () => {
    order.push('s3:PutObject');
    return {};
  });
  serveRooms(ROOMS);
});
afterEach(() => {
  for (const client of [ivschat, sns, sts, s3]) client.reset();
});

describe('scheduled run with reportBucket', () => {
  it("puts the run's HTML report in the bucket before it publishes the alert, which links it in email and Slack", async () => {
    const run = await createScheduledAudit(deps({ REPORT_BUCKET: BUCKET }))();

    expect(order).toEqual(['s3:PutObject', 'sns:Publish']);
    const [put, ...more] = s3.commandCalls(PutObjectCommand);
    expect(more).toEqual([]);
    const input = put?.args[0].input;
    expect(input).toMatchObject({
      Bucket: BUCKET,
      Key: KEY,
      ContentType: 'text/html; charset=utf-8',
      ServerSideEncryption: 'AES256',
    });
    // The report of this run: its findings, the hostile room name inert.
    expect(input?.Body).toBe(renderHtml(run.outcome.alert.report, { toolVersion: '(deployed function)' }));
    expect(run.outcome.alert.report.findings.map((f) => f.roomName)).toContain(
      '<img src=x onerror=alert(1)>',
    );
    expect(String(input?.Body)).not.toContain('<img src=x');
    expect(run.outcome.alert.reportUrl).toBe(LINK);
    const { email, slack, machine } = published();
    expect(email).toContain(`The run's full report (HTML, in S3): ${LINK}\n`);
    expect(slack.content.nextSteps.at(-1)).toBe(`Read the run's full report: ${LINK}`);
    expect(machine.reportUrl).toBe(LINK);
  });

  it('publishes the alert without the link when the report cannot be written, and warns naming the bucket and the error', async () => {
    s3.on(PutObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    const { logger, warnings } = recordingLogger();

    const summary = await createHandler(deps({ REPORT_BUCKET: BUCKET }, logger))({});

    expect(summary).toMatchObject({ newFindings: 1, published: 1 });
    const { email, slack, machine } = published();
    expect(email).not.toContain('full report');
    expect(JSON.stringify(slack)).not.toContain('s3.console');
    expect(machine).not.toHaveProperty('reportUrl');
    expect(warnings).toContainEqual({
      message: 'report not written; the alert goes out without its link',
      extra: { bucket: BUCKET, key: KEY, error: 'AccessDenied: Access Denied' },
    });
  });

  it('writes the report of a run with nothing to tell, and publishes nothing', async () => {
    serveRooms([ROOMS[0] as RoomDocument]);
    const summary = await createHandler(deps({ REPORT_BUCKET: BUCKET }))({});
    expect(summary).toMatchObject({ findings: 0, published: 0 });
    expect(order).toEqual(['s3:PutObject']);
  });

  it('never calls S3 with the setting off', async () => {
    const summary = await createHandler(deps({}))({});
    expect(summary).toMatchObject({ newFindings: 1, published: 1 });
    expect(s3.calls()).toHaveLength(0);
    expect(published().email).not.toContain('full report');
  });

  it('fails fast on a REPORT_BUCKET that is not a bucket name', async () => {
    await expect(createHandler(deps({ REPORT_BUCKET: 's3://audit-reports' }))({})).rejects.toThrow(
      /REPORT_BUCKET: "s3:\/\/audit-reports" is not an S3 bucket name/,
    );
    expect(s3.calls()).toHaveLength(0);
  });
});
