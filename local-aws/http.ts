/** Small HTTP helpers shared by the emulated services. */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const ACCOUNT_ID = '000000000000';
export const DEFAULT_REGION = 'us-east-1';
const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** What the SigV4 `Authorization` header says about the caller. */
export interface SigV4Scope {
  region: string;
  service?: string;
  /** Who signed: maps a key minted by STS AssumeRole back to its account. */
  accessKeyId?: string;
}

/** `AWS4-HMAC-SHA256 Credential=AKID/20260101/us-west-2/ivschat/aws4_request, ...` → key, region, service. */
export function parseSigV4Scope(authorization: string | undefined): SigV4Scope {
  const match = /Credential=([^/,\s]+)\/\d{8}\/([^/,\s]+)\/([^/,\s]+)\/aws4_request/.exec(
    authorization ?? '',
  );
  if (!match?.[2]) return { region: DEFAULT_REGION };
  return { region: match[2], service: match[3], accessKeyId: match[1] };
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new Error(`request body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A response the services build; the server writes it. */
export interface LocalResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export function json(status: number, value: unknown, headers: Record<string, string> = {}): LocalResponse {
  return {
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(value),
  };
}

export function xml(status: number, body: string): LocalResponse {
  return { status, headers: { 'content-type': 'text/xml' }, body };
}

/**
 * An awsQuery answer (SNS, STS) whose body carries a RequestId: the `x-amzn-requestid` header names
 * the same id, as AWS sends them, so a caller logging either finds the other.
 */
export function queryXml(status: number, body: (requestId: string) => string): LocalResponse {
  const id = requestId();
  return { status, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': id }, body: body(id) };
}

export function send(res: ServerResponse, response: LocalResponse): void {
  const body = response.body ?? '';
  res.writeHead(response.status, {
    'x-amzn-requestid': randomUUID(),
    'content-length': String(Buffer.byteLength(body)),
    ...response.headers,
  });
  res.end(body);
}

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

export function requestId(): string {
  return randomUUID();
}
