/**
 * The handler as it ships: `cdk synth` bundles it (esbuild, as NodejsFunction does), and a fresh Node
 * process imports that bundle and calls `handler` with the environment the template gives the
 * function, pointed at the emulator and dynalite. What it returns is what Lambda would serialise as
 * the response (capped at 6 MB; Step Functions allows 256 KiB), so it must stay small however many
 * rooms violate policies.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNode } from '../../bench/run-node.js';
import type { RunSummary } from '../../lambda/pipeline/run-summary.js';
import { MAX_SUMMARY_BYTES } from '../../lambda/pipeline/run-summary.js';
import { buildApp } from '../../lib/app.js';
import { emittedMetrics, missedAuditAlarmMetric } from '../lambda/emf.js';
import { runSummaryProblems } from '../lambda/run-summary-schema.js';
import { functionEnvironment } from './bundle.js';
import { ACCOUNT_ID, generatedRooms, type Stack, startStack } from './helpers.js';

/** 15 regions × 20 rooms, each room breaking all five starter policies: 1,500 new findings. */
const REGIONS = [
  'us-east-1',
  'us-east-2',
  'us-west-2',
  'eu-west-1',
  'eu-central-1',
  'eu-north-1',
  'ap-south-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'ca-central-1',
  'eu-west-2',
  'eu-west-3',
  'sa-east-1',
];
const ROOMS_PER_REGION = 20;
const POLICIES = 5;

const outdir = mkdtempSync(join(tmpdir(), 'ivschat-bundled-handler-'));
let stack: Stack;
let result: RunSummary;
let resultBytes: number;
let stdout: string;
let template: Template;
let auditorStack: ReturnType<typeof buildApp>['stack'];
let bundleSources: string[] = [];

beforeAll(async () => {
  // Several regions keep the run short: each has its own 4 TPS GetRoom budget, audited in parallel.
  const { app, stack: synthesized } = buildApp({ outdir, context: { regions: REGIONS.join(',') } });
  auditorStack = synthesized;
  const json = app.synth().getStackByName(synthesized.stackName).template;
  template = Template.fromJSON(json);
  const fnId = synthesized.getLogicalId(synthesized.auditor.function.node.defaultChild as CfnFunction);
  const fn = json.Resources[fnId].Properties as {
    Code: { S3Key: string };
    Handler: string;
    Environment: { Variables: Record<string, unknown> };
  };
  // The asset folder is named after the asset hash, which is the S3 key without '.zip'.
  const assetDir = join(outdir, `asset.${fn.Code.S3Key.replace(/\.zip$/, '')}`);
  const [file, exportName] = fn.Handler.split('.');
  bundleSources = (
    JSON.parse(readFileSync(join(assetDir, `${file}.mjs.map`), 'utf8')) as { sources: string[] }
  ).sources;

  stack = await startStack({ quotas: { enabled: true, scale: 1 } });
  for (const region of REGIONS) {
    stack.aws.seedRooms(
      region,
      generatedRooms(region, ROOMS_PER_REGION, 'big').map((room) => ({
        ...room,
        maximumMessageLength: 500,
        maximumMessageRatePerSecond: 50,
        // In the room's own region, so review-handler-same-account passes: five violations a room.
        messageReviewHandler: {
          uri: `arn:aws:lambda:${region}:000000000000:function:review`,
          fallbackResult: 'ALLOW',
        },
        loggingConfigurationIdentifiers: [],
        tags: {},
      })),
    );
  }
  const table = await stack.freshTable();
  const env = functionEnvironment(fn.Environment.Variables, {
    ALERT_TOPIC_ARN: stack.topicArn,
    STATE_TABLE_NAME: table,
    FUNCTION_ROLE_NAME: 'ivschat-auditor-function',
    FUNCTION_ROLE_ARN: `arn:aws:iam::${ACCOUNT_ID}:role/ivschat-auditor-function`,
  });

  const resultFile = join(outdir, 'result.json');
  const runner = join(outdir, 'invoke.mjs');
  // What the Lambda runtime does: import the bundle, call the export, serialise the value.
  writeFileSync(
    runner,
    [
      "import { writeFileSync } from 'node:fs';",
      `const { ${exportName}: handler } = await import(${JSON.stringify(pathToFileURL(join(assetDir, `${file}.mjs`)).href)});`,
      'const value = await handler({}, { getRemainingTimeInMillis: () => 900_000 });',
      `writeFileSync(${JSON.stringify(resultFile)}, JSON.stringify(value));`,
    ].join('\n'),
  );
  ({ stdout } = await runNode([runner], {
    env: {
      PATH: process.env.PATH ?? '',
      ...env,
      LAMBDA_TASK_ROOT: assetDir,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      // Honoured by every SDK v3 client; the service-specific one wins for DynamoDB.
      AWS_ENDPOINT_URL: stack.aws.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: stack.dynamo.endpoint,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  }));
  const serialised = readFileSync(resultFile, 'utf8');
  resultBytes = Buffer.byteLength(serialised);
  result = JSON.parse(serialised) as RunSummary;
}, 120_000);

afterAll(async () => {
  await stack?.close();
  rmSync(outdir, { recursive: true, force: true });
});

describe('the bundled handler (cdk synth output) against local AWS', () => {
  it(`returns at most ${MAX_SUMMARY_BYTES} bytes for ${REGIONS.length * ROOMS_PER_REGION} violating rooms`, () => {
    const rooms = REGIONS.length * ROOMS_PER_REGION;
    expect(result).toMatchObject({
      roomsAudited: rooms,
      newFindings: rooms * POLICIES,
      errors: 0,
      complete: true,
    });
    expect(resultBytes).toBeLessThanOrEqual(MAX_SUMMARY_BYTES);
    expect(runSummaryProblems(result)).toEqual([]);
    expect(result.regions.map((r) => r.region)).toEqual(REGIONS);
    // The ids are those SNS gave the alert's messages.
    const published = stack.aws.published().map((m) => m.messageId);
    expect(result.published).toBe(published.length);
    expect(result.messageIds).toEqual(published.slice(0, 10));
  });

  it("ships the environment-only credential chain, not the SDK's SSO, profile and metadata sources", () => {
    // Lambda puts the role's credentials in the environment; this run above read them from there.
    expect(bundleSources.some((s) => s.endsWith('lambda/aws/env-credentials.ts'))).toBe(true);
    expect(bundleSources.filter((s) => /credential-provider-(sso|ini|imds|process|node)\//.test(s))).toEqual(
      [],
    );
  });

  it('emits the exact metric the missed-audit alarm of the same template watches', () => {
    const watched = missedAuditAlarmMetric(auditorStack, template);

    expect(emittedMetrics(stdout)).toContainEqual({ ...watched, value: 1 });
  });
});
