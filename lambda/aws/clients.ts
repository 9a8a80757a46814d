import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IvschatClient, type IvschatClientConfig } from '@aws-sdk/client-ivschat';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { S3Client } from '@aws-sdk/client-s3';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { AuditorError } from '../core/errors.js';

export interface AwsConnection {
  /** Override every service endpoint (the local AWS emulator, or a VPC endpoint). */
  endpoint?: string;
  /** Total attempts per call, first try included (SDK adaptive retry). @default 5 */
  maxAttempts?: number;
  /** How long one attempt waits for a response, in milliseconds. @default 10_000 */
  requestTimeoutMs?: number;
  /**
   * Attempts a call may spend getting no response at all (a connection or request timeout), first
   * try included; throttling and server errors still get `maxAttempts`. @default maxAttempts
   */
  silentAttempts?: number;
  /**
   * Credentials to sign with instead of the default chain (e.g. an assumed member-account role,
   * from `targetCredentials`). @default the default credential chain
   */
  credentials?: IvschatClientConfig['credentials'];
}

const DEFAULT_MAX_ATTEMPTS = 5;
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/**
 * A call given up because the endpoint did not answer `silentAttempts` attempts. It deliberately
 * carries no `cause`: the SDK classifies an error by its cause chain too, and the timeout there
 * would make it retry again.
 */
export class NoResponseError extends AuditorError {
  override readonly name = 'NoResponseError';
}

/** Against a local endpoint without credentials configured, sign with throwaway ones. */
function localCredentials(connection: AwsConnection) {
  if (connection.credentials) return { credentials: connection.credentials };
  if (!connection.endpoint || process.env.AWS_ACCESS_KEY_ID || process.env.AWS_PROFILE) return {};
  return { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
}

/** Calls over `connection` sign with the SDK's default credential chain (not given or throwaway ones). */
export function signsWithDefaultChain(connection: AwsConnection): boolean {
  return localCredentials(connection).credentials === undefined;
}

function common(region: string, connection: AwsConnection) {
  return {
    region,
    // Adaptive mode adds client-side rate limiting on throttling to the standard backoff.
    retryMode: 'adaptive',
    maxAttempts: connection.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    // A hung request must not carry the run past its deadline.
    requestHandler: {
      connectionTimeout: 3_000,
      requestTimeout: connection.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    },
    ...(connection.endpoint ? { endpoint: connection.endpoint } : {}),
    ...localCredentials(connection),
  };
}

export const ivschatClient = (region: string, c: AwsConnection = {}) =>
  withEndpointInErrors(withSilenceLimit(new IvschatClient(common(region, c)), c));
export const snsClient = (region: string, c: AwsConnection = {}) =>
  withEndpointInErrors(withSilenceLimit(new SNSClient(common(region, c)), c));
export const stsClient = (region: string, c: AwsConnection = {}) =>
  withEndpointInErrors(withSilenceLimit(new STSClient(common(region, c)), c));
export const organizationsClient = (region: string, c: AwsConnection = {}) =>
  withEndpointInErrors(withSilenceLimit(new OrganizationsClient(common(region, c)), c));
export const securityHubClient = (region: string, c: AwsConnection = {}) =>
  withEndpointInErrors(withSilenceLimit(new SecurityHubClient(common(region, c)), c));
export const eventBridgeClient = (region: string, c: AwsConnection = {}) =>
  withEndpointInErrors(withSilenceLimit(new EventBridgeClient(common(region, c)), c));
/**
 * The report bucket's client. The bucket may be in another region than the function (a given,
 * existing one): the client follows S3's redirect to it. Path-style against a local endpoint, which
 * has no per-bucket host names.
 */
export const s3Client = (region: string, c: AwsConnection = {}) =>
  withEndpointInErrors(
    withSilenceLimit(
      new S3Client({
        ...common(region, c),
        followRegionRedirects: true,
        ...(c.endpoint ? { forcePathStyle: true } : {}),
      }),
      c,
    ),
  );
/** The state table's client for the CLI (the Lambda builds its own with the SDK defaults). */
export const dynamodbClient = (region: string, c: AwsConnection = {}) =>
  withEndpointInErrors(withSilenceLimit(new DynamoDBClient(common(region, c)), c));
// The deployment's own parts, read by `doctor` and `selftest`.
export const cloudFormationClient = (region: string, c: AwsConnection = {}) =>
  withEndpointInErrors(withSilenceLimit(new CloudFormationClient(common(region, c)), c));
export const cloudTrailClient = (region: string, c: AwsConnection = {}) =>
  withEndpointInErrors(withSilenceLimit(new CloudTrailClient(common(region, c)), c));
export const cloudWatchClient = (region: string, c: AwsConnection = {}) =>
  withEndpointInErrors(withSilenceLimit(new CloudWatchClient(common(region, c)), c));
export const sqsClient = (region: string, c: AwsConnection = {}) =>
  withEndpointInErrors(withSilenceLimit(new SQSClient(common(region, c)), c));
export const sfnClient = (region: string, c: AwsConnection = {}) =>
  withEndpointInErrors(withSilenceLimit(new SFNClient(common(region, c)), c));

/**
 * The account the credentials belong to. `signal` aborts the call (and its retries) at once: the
 * run's --timeout or Ctrl-C.
 */
export async function callerAccountId(
  region: string,
  connection: AwsConnection = {},
  signal?: AbortSignal,
): Promise<string> {
  const sts = stsClient(region, connection);
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

type MiddlewareClient = { middlewareStack: { add: (...args: never[]) => void } };

function addMiddleware(
  client: MiddlewareClient,
  middleware: (next: BuildHandler) => BuildHandler,
  options: { step: 'build' | 'deserialize'; name: string },
): void {
  const add = client.middlewareStack.add as unknown as (
    middleware: (next: BuildHandler) => BuildHandler,
    options: { step: string; name: string },
  ) => void;
  add(middleware, options);
}

/**
 * The SDK retries a timeout like any transient error, so an endpoint that accepts connections and
 * never answers costs maxAttempts × requestTimeout per call (50 s by default). A call here stops
 * after `silentAttempts` unanswered attempts: one retry still covers a pooled connection a NAT
 * dropped without a word, and throttling keeps every attempt. The deserialize step runs inside the
 * SDK's retry loop, once per attempt; its middleware is built once per call, so the count is per call.
 */
function withSilenceLimit<C extends MiddlewareClient>(client: C, connection: AwsConnection): C {
  const limit = connection.silentAttempts;
  if (limit === undefined || limit >= (connection.maxAttempts ?? DEFAULT_MAX_ATTEMPTS)) return client;
  const seconds = (connection.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS) / 1000;
  addMiddleware(
    client,
    (next) => {
      let unanswered = 0;
      return async (args) => {
        try {
          return await next(args);
        } catch (error) {
          // node-http-handler names connection, request and socket timeouts alike.
          if ((error as { name?: unknown } | null)?.name !== 'TimeoutError') throw error;
          unanswered += 1;
          if (unanswered < limit) throw error;
          throw new NoResponseError(
            `no response: ${unanswered} attempt${unanswered === 1 ? '' : 's'} timed out (up to ${seconds} s each)`,
          );
        }
      };
    },
    { step: 'deserialize', name: 'ivschatAuditorSilenceLimit' },
  );
  return client;
}

function withEndpointInErrors<C extends MiddlewareClient>(client: C): C {
  // The build step sees the serialized request (endpoint resolved) and, being outside the retry
  // loop, the final error of all attempts.
  addMiddleware(
    client,
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
