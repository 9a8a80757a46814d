/**
 * Signed JSON calls for the services whose SDK clients are not among our dependencies (Security Hub,
 * EventBridge): SigV4 from the SDK's own signer, the same credentials, endpoint override and timeouts
 * as every other client (clients.ts), and the SDK's retry rule for a whole-call failure (throttling
 * and 5xx, exponential backoff with full jitter). Per-entry failures are the sinks' to retry.
 */
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Hash } from '@smithy/hash-node';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { AuditorError } from '../core/errors.js';
import type { AwsConnection } from './clients.js';

/** A whole call that failed: the service's error code (e.g. `InvalidAccessException`) and status. */
export class AwsCallError extends AuditorError {
  override readonly name = 'AwsCallError';
  constructor(
    readonly service: string,
    readonly operation: string,
    readonly code: string,
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${service} ${operation} failed: ${code}: ${message}`, options);
  }

  get retryable(): boolean {
    return (
      this.status === 429 || this.status >= 500 || /Throttl|LimitExceeded|TooManyRequests/.test(this.code)
    );
  }
}

export interface JsonCall {
  service: 'securityhub' | 'events';
  operation: string;
  region: string;
  /** REST-JSON path (Security Hub); JSON 1.1 services post to `/` with `target`. */
  path: string;
  /** `X-Amz-Target` of a JSON 1.1 call, e.g. `AWSEvents.PutEvents`. */
  target?: string;
  body: unknown;
}

export type JsonApi = (call: JsonCall) => Promise<unknown>;

export interface JsonApiOptions {
  /** Waits between attempts; tests pass one that does not wait. */
  sleep?: (ms: number) => Promise<void>;
}

const DEFAULT_MAX_ATTEMPTS = 5;

/** One signer and HTTP handler per connection; call `destroy` when done with it. */
export function jsonApi(
  connection: AwsConnection = {},
  options: JsonApiOptions = {},
): JsonApi & { destroy(): void } {
  const handler = new NodeHttpHandler({
    connectionTimeout: 3_000,
    requestTimeout: connection.requestTimeoutMs ?? 10_000,
    throwOnRequestTimeout: true,
  });
  const credentials = credentialsOf(connection);
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const attempts = connection.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;

  const once = async (call: JsonCall): Promise<unknown> => {
    const url = new URL(
      connection.endpoint ?? `https://${call.service}.${call.region}.${dnsSuffix(call.region)}`,
    );
    const body = JSON.stringify(call.body);
    const request = new HttpRequest({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: call.target ? '/' : call.path,
      headers: {
        host: url.host,
        'content-type': call.target ? 'application/x-amz-json-1.1' : 'application/json',
        ...(call.target ? { 'x-amz-target': call.target } : {}),
      },
      body,
    });
    const signer = new SignatureV4({
      service: call.service,
      region: call.region,
      credentials,
      sha256: Hash.bind(null, 'sha256'),
    });
    const signed = await signer.sign(request);
    const { response } = await handler.handle(signed as HttpRequest);
    const text = await readAll(response.body);
    const parsed = text.trim() === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
    if (response.statusCode >= 300) {
      const header = response.headers['x-amzn-errortype'] ?? '';
      const code = String(
        parsed.__type ?? parsed.Code ?? header.split(':')[0] ?? `HTTP ${response.statusCode}`,
      )
        .split('#')
        .at(-1);
      const message = String(parsed.message ?? parsed.Message ?? '');
      throw new AwsCallError(
        call.service,
        call.operation,
        code || `HTTP ${response.statusCode}`,
        response.statusCode,
        message,
      );
    }
    return parsed;
  };

  const call = async (c: JsonCall): Promise<unknown> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await once(c);
      } catch (error) {
        const retryable =
          error instanceof AwsCallError ? error.retryable : (error as Error).name === 'TimeoutError';
        if (!retryable || attempt >= attempts) {
          if (error instanceof AwsCallError) throw error;
          throw new AwsCallError(c.service, c.operation, (error as Error).name, 0, (error as Error).message, {
            cause: error,
          });
        }
        await sleep(Math.random() * Math.min(20_000, 100 * 2 ** attempt));
      }
    }
  };
  return Object.assign(call, { destroy: () => handler.destroy() });
}

function credentialsOf(connection: AwsConnection): AwsCredentialIdentity | AwsCredentialIdentityProvider {
  const given = connection.credentials as AwsCredentialIdentity | AwsCredentialIdentityProvider | undefined;
  if (given) return given;
  if (connection.endpoint && !process.env.AWS_ACCESS_KEY_ID && !process.env.AWS_PROFILE) {
    return { accessKeyId: 'local', secretAccessKey: 'local' };
  }
  return defaultProvider();
}

function dnsSuffix(region: string): string {
  return region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
}

async function readAll(body: unknown): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer | string>) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
