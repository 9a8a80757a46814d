/**
 * The AWS JSON protocols (1.0 and 1.1) as the read-only services of a deployment speak them: an
 * answer, an error in the shape the SDK reads (`__type`, and for services that were once awsQuery the
 * `x-amzn-query-error` header that carries the old error code), and a request body read as an object.
 */
import { json, type LocalResponse } from './http.js';

export type JsonVersion = '1.0' | '1.1';

export function jsonAnswer(version: JsonVersion, value: unknown): LocalResponse {
  return json(200, value, { 'content-type': `application/x-amz-json-${version}` });
}

export interface JsonErrorOptions {
  /** The awsQuery code (`Code;Sender`) of a service that keeps query-compatible errors (SQS, CloudWatch). */
  queryError?: string;
}

export function jsonError(
  version: JsonVersion,
  status: number,
  type: string,
  message: string,
  options: JsonErrorOptions = {},
): LocalResponse {
  return json(
    status,
    { __type: type, message },
    {
      'content-type': `application/x-amz-json-${version}`,
      'x-amzn-errortype': type,
      ...(options.queryError ? { 'x-amzn-query-error': options.queryError } : {}),
    },
  );
}

/** The body as a JSON object, or undefined when it is not one (the caller answers a serialization error). */
export function jsonBody(body: string): Record<string, unknown> | undefined {
  if (body.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(body);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A string member, or undefined when absent or not a string. */
export const text = (input: Record<string, unknown>, key: string): string | undefined =>
  typeof input[key] === 'string' ? (input[key] as string) : undefined;

/** A list of strings, or undefined when absent; `false` when present but not a list of strings. */
export function textList(input: Record<string, unknown>, key: string): string[] | undefined | false {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : false;
}

/** Seconds since the epoch: how the JSON protocols send a timestamp. */
export const epochSeconds = (iso: string): number => Date.parse(iso) / 1000;
