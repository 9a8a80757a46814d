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

export function sts(aws: LocalAws, { region = 'us-east-1' }: ClientOptions = {}): STSClient {
  return new STSClient({ endpoint: aws.endpoint, region, credentials });
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
