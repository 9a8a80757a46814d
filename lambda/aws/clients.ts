import { IvschatClient } from '@aws-sdk/client-ivschat';
import { SNSClient } from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';

export interface AwsConnection {
  /** Override every service endpoint (the local AWS emulator, or a VPC endpoint). */
  endpoint?: string;
  /** Total attempts per call, first try included (SDK adaptive retry). */
  maxAttempts?: number;
}

/** Against a local endpoint without credentials configured, sign with throwaway ones. */
function localCredentials(connection: AwsConnection) {
  if (!connection.endpoint || process.env.AWS_ACCESS_KEY_ID || process.env.AWS_PROFILE) return {};
  return { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
}

function common(region: string, connection: AwsConnection) {
  return {
    region,
    // Adaptive mode adds client-side rate limiting on throttling to the standard backoff.
    retryMode: 'adaptive',
    maxAttempts: connection.maxAttempts ?? 5,
    // A hung request must not carry the run past its deadline.
    requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000, throwOnRequestTimeout: true },
    ...(connection.endpoint ? { endpoint: connection.endpoint } : {}),
    ...localCredentials(connection),
  };
}

export const ivschatClient = (region: string, c: AwsConnection = {}) => new IvschatClient(common(region, c));
export const snsClient = (region: string, c: AwsConnection = {}) => new SNSClient(common(region, c));

export async function callerAccountId(region: string, connection: AwsConnection = {}): Promise<string> {
  const sts = new STSClient(common(region, connection));
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    return identity.Account ?? '';
  } finally {
    sts.destroy();
  }
}

/** The region an SNS topic lives in, from its ARN (publish must go there). */
export function topicRegion(topicArn: string): string | undefined {
  return /^arn:aws[a-z-]*:sns:([a-z0-9-]+):\d{12}:.+$/.exec(topicArn)?.[1];
}
