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

export const ivschatClient = (region: string, c: AwsConnection = {}) =>
  withEndpointInErrors(new IvschatClient(common(region, c)));
export const snsClient = (region: string, c: AwsConnection = {}) =>
  withEndpointInErrors(new SNSClient(common(region, c)));

/**
 * The account the credentials belong to. `signal` aborts the call (and its retries) at once: the
 * run's --timeout or Ctrl-C.
 */
export async function callerAccountId(
  region: string,
  connection: AwsConnection = {},
  signal?: AbortSignal,
): Promise<string> {
  const sts = withEndpointInErrors(new STSClient(common(region, connection)));
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}), signal ? { abortSignal: signal } : {});
    return identity.Account ?? '';
  } finally {
    sts.destroy();
  }
}

// Which endpoint a failed call went to. An error that says only "UnknownError", or a timeout, is
// useless without it (a wrong --endpoint is the usual cause). Keyed by the error object: the SDK
// throws the same object out of send().
const failedEndpoints = new WeakMap<object, string>();

/** The endpoint (scheme, host, port) a failed SDK call was sent to, when known. */
export function endpointOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? failedEndpoints.get(error) : undefined;
}

type BuildHandler = (args: { request?: unknown }) => Promise<unknown>;

function withEndpointInErrors<C extends { middlewareStack: { add: (...args: never[]) => void } }>(
  client: C,
): C {
  const add = client.middlewareStack.add as unknown as (
    middleware: (next: BuildHandler) => BuildHandler,
    options: { step: 'build'; name: string },
  ) => void;
  // The build step sees the serialized request (endpoint resolved) and, being outside the retry
  // loop, the final error of all attempts.
  add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        const request = args.request as { protocol?: string; hostname?: string; port?: number } | undefined;
        if (request?.hostname && typeof error === 'object' && error !== null) {
          const port = request.port ? `:${request.port}` : '';
          failedEndpoints.set(error, `${request.protocol ?? 'https:'}//${request.hostname}${port}`);
        }
        throw error;
      }
    },
    { step: 'build', name: 'ivschatAuditorEndpointInErrors' },
  );
  return client;
}

/** The region an SNS topic lives in, from its ARN (publish must go there). */
export function topicRegion(topicArn: string): string | undefined {
  return /^arn:aws[a-z-]*:sns:([a-z0-9-]+):\d{12}:.+$/.exec(topicArn)?.[1];
}
