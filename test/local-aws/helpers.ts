import { Readable } from 'node:stream';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IvschatClient } from '@aws-sdk/client-ivschat';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { SNSClient } from '@aws-sdk/client-sns';
import { STSClient } from '@aws-sdk/client-sts';
import type { LocalAws } from '../../local-aws/index.js';

/** Any dummy credentials work: the emulator only reads the region from the signature scope. */
export const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };

export interface ClientOptions {
  region?: string;
  maxAttempts?: number;
}

export function ivschat(
  aws: LocalAws,
  { region = 'us-east-1', maxAttempts }: ClientOptions = {},
): IvschatClient {
  return new IvschatClient({
    endpoint: aws.endpoint,
    region,
    credentials,
    ...(maxAttempts ? { maxAttempts } : {}),
  });
}

export function sns(aws: LocalAws, { region = 'us-east-1', maxAttempts }: ClientOptions = {}): SNSClient {
  return new SNSClient({
    endpoint: aws.endpoint,
    region,
    credentials,
    ...(maxAttempts ? { maxAttempts } : {}),
  });
}

export function sts(aws: LocalAws, { region = 'us-east-1', maxAttempts }: ClientOptions = {}): STSClient {
  return new STSClient({
    endpoint: aws.endpoint,
    region,
    credentials,
    ...(maxAttempts ? { maxAttempts } : {}),
  });
}

export function securityHub(
  aws: LocalAws,
  { region = 'us-east-1', maxAttempts = 1 }: ClientOptions = {},
): SecurityHubClient {
  return new SecurityHubClient({ endpoint: aws.endpoint, region, credentials, maxAttempts });
}

export function eventBridge(
  aws: LocalAws,
  { region = 'us-east-1', maxAttempts = 1 }: ClientOptions = {},
): EventBridgeClient {
  return new EventBridgeClient({ endpoint: aws.endpoint, region, credentials, maxAttempts });
}

/** Resolves to the rejection of `promise` (fails if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (err) {
    return err as Error & Record<string, unknown>;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** What a recorded answer carried: its status, the request-id header and the raw body. */
export interface RecordedAnswer {
  status: number;
  requestIdHeader: string | undefined;
  body: string;
}

interface RawHandler {
  handle(
    request: unknown,
    options?: unknown,
  ): Promise<{
    response: { statusCode: number; headers: Record<string, string>; body: AsyncIterable<Uint8Array> };
  }>;
}

/**
 * Records every raw answer `client` receives (the SDK parses the body and keeps only the header's
 * request id), handing the SDK the same bytes, so a test can compare what the wire carried.
 */
export function recordAnswers(client: { config: { requestHandler: unknown } }): RecordedAnswer[] {
  const answers: RecordedAnswer[] = [];
  const handler = client.config.requestHandler as RawHandler;
  const handle = handler.handle.bind(handler);
  handler.handle = async (request, options) => {
    const out = await handle(request, options);
    const chunks: Uint8Array[] = [];
    for await (const chunk of out.response.body) chunks.push(chunk);
    const bytes = Buffer.concat(chunks);
    answers.push({
      status: out.response.statusCode,
      requestIdHeader: out.response.headers['x-amzn-requestid'],
      body: bytes.toString('utf8'),
    });
    out.response.body = Readable.from([bytes]);
    return out;
  };
  return answers;
}
