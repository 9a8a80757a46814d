/**
 * The run's HTML report in S3 (setting `reportBucket`): the object written (key, type, encryption,
 * body), its console link, and a failed write returned, never thrown. S3 has no model in the
 * emulator, so its client is mocked (aws-sdk-client-mock).
 */

import { Logger } from '@aws-lambda-powertools/logger';
import { PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { reportConnection, writeReportLink } from '../../lambda/modes/run-report.js';
import { plainHttpsUrl, s3ObjectConsoleUrl } from '../../lambda/render/console-url.js';
import { renderHtml } from '../../lambda/render/html.js';
import type { Deadline } from '../../lambda/runtime/deadline.js';
import { checkBucketName, checkReportBucket } from '../../lambda/settings/checks.js';
import { reportKey, writeRunReport } from '../../lambda/sinks/report-bucket.js';
import { HOSTILE, makeFinding, makeReport } from '../render/fixtures.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const s3 = mockClient(S3Client);
const TARGET = {
  bucket: 'audit-reports',
  region: 'eu-west-1',
  connection: { credentials: { accessKeyId: 'test', secretAccessKey: 'test' } },
};
afterEach(() => s3.reset());

describe('Function: writeRunReport', () => {
  it("puts the run's HTML report under reports/<scope>/, typed, encrypted, with no ACL, and links its console page", async () => {
    s3.on(PutObjectCommand).resolves({});
    const report = makeReport({
      startedAt: '2026-12-06T20:00:00.000Z',
      findings: [makeFinding({ roomName: 'lobby' }), makeFinding({ roomName: HOSTILE, severity: 'medium' })],
    });

    const written = await writeRunReport(TARGET, '123456789012', report);

    const key = 'reports/123456789012/2026-12-06T20-00-00.000Z.html';
    expect(written).toEqual({
      ok: true,
      key,
      url: `https://s3.console.aws.amazon.com/s3/object/audit-reports?region=eu-west-1&bucketType=general&prefix=reports%2F123456789012%2F2026-12-06T20-00-00.000Z.html`,
    });
    const [call, ...more] = s3.commandCalls(PutObjectCommand);
    expect(more).toEqual([]);
    const input = call?.args[0].input;
    expect(input).toMatchObject({
      Bucket: 'audit-reports',
      Key: key,
      ContentType: 'text/html; charset=utf-8',
      ServerSideEncryption: 'AES256',
    });
    expect(input).not.toHaveProperty('ACL');
    // The body is the HTML report of exactly these findings, hostile room data inert.
    expect(input?.Body).toBe(renderHtml(report, { toolVersion: '(deployed function)' }));
    expect(String(input?.Body)).toContain('lobby');
    expect(String(input?.Body)).not.toContain('<http://evil.example');
  });

  it('returns the error of a failed write instead of throwing it', async () => {
    s3.on(PutObjectCommand).rejects(
      new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: {}, message: 'denied' }),
    );
    const written = await writeRunReport(
      TARGET,
      'runs',
      makeReport({ startedAt: '2026-12-06T20:00:00.000Z' }),
    );
    expect(written).toEqual({
      ok: false,
      key: 'reports/runs/2026-12-06T20-00-00.000Z.html',
      error: 'AccessDenied: denied',
    });
  });
});

describe('Function: reportKey', () => {
  it('keeps a key to plain characters whatever the scope and time hold', () => {
    expect(reportKey('../../etc', '2026-12-06T20:00:00Z')).toBe(
      'reports/..-..-etc/2026-12-06T20-00-00Z.html',
    );
    expect(reportKey('', '')).toBe('reports/unknown/unknown.html');
    expect(reportKey('a b/c?d#e', 'x')).toMatch(/^reports\/[A-Za-z0-9._-]+\/x\.html$/);
  });
});

describe('Function: s3ObjectConsoleUrl and plainHttpsUrl', () => {
  it('builds a link a renderer may insert as is, from any bucket, key and region', () => {
    const url = s3ObjectConsoleUrl('b<x>', 'reports/a b&c|d*.html', 'us-east-1');
    expect(plainHttpsUrl(url)).toBe(url);
    expect(url).toBe(
      'https://s3.console.aws.amazon.com/s3/object/b%3Cx%3E?region=us-east-1&bucketType=general&prefix=reports%2Fa%20b%26c%7Cd%2A.html',
    );
  });

  it('refuses anything but a plain https URL', () => {
    for (const bad of [
      undefined,
      '',
      'http://s3.console.aws.amazon.com/s3/object/b',
      'javascript:alert(1)',
      'https://evil.example/|click>',
      'https://evil.example/<!channel>',
      'https://example.com/a b',
      `https://example.com/${'a'.repeat(2100)}`,
    ]) {
      expect(plainHttpsUrl(bad), String(bad)).toBeUndefined();
    }
  });
});

describe('Function: checkReportBucket', () => {
  it('takes a bucket name or create, and says why anything else is not one', () => {
    for (const ok of ['create', 'audit-reports', 'my.bucket.1', 'abc'])
      expect(checkReportBucket(ok), ok).toBeUndefined();
    for (const bad of [
      'ab',
      'Audit-Reports',
      'audit_reports',
      '-audit',
      'audit-',
      'a..b',
      '192.168.1.1',
      'xn--audit',
      'audit-s3alias',
      'a'.repeat(64),
      'arn:aws:s3:::audit',
      's3://audit',
    ]) {
      expect(checkBucketName(bad), bad).toMatch(/is not an S3 bucket name/);
    }
  });
});

describe('Function: writeReportLink', () => {
  /** A context with a report bucket, a logger that keeps its warnings, and `timeLeftMs` to the deadline. */
  function contextWith(timeLeftMs?: number) {
    const warnings: string[] = [];
    const logger = new Logger({ serviceName: 'ivschat-auditor', logLevel: 'SILENT' });
    logger.warn = (...args: unknown[]) => {
      warnings.push(String(args[0]));
    };
    const controller = new AbortController();
    const deadline: Deadline | undefined =
      timeLeftMs === undefined
        ? undefined
        : { timeLeftMs: () => timeLeftMs, reached: () => timeLeftMs < 0, signal: () => controller.signal };
    const ctx = {
      config: { reportBucket: 'audit-reports', regions: ['eu-west-1'] },
      connection: TARGET.connection,
      logger,
      ...(deadline ? { deadline } : {}),
    } as unknown as Parameters<typeof writeReportLink>[0];
    return { ctx, warnings, signal: controller.signal };
  }

  it('skips the write, with a warning, when too little time is left before the deadline', async () => {
    s3.on(PutObjectCommand).resolves({});
    const { ctx, warnings } = contextWith(5_000);
    expect(await writeReportLink(ctx, 'runs', makeReport())).toBeUndefined();
    expect(s3.commandCalls(PutObjectCommand)).toEqual([]);
    expect(warnings).toEqual([expect.stringMatching(/too little time left before the deadline/)]);
  });

  it("writes with time to spare, bounded by the invocation's deadline", async () => {
    s3.on(PutObjectCommand).resolves({});
    const { ctx, signal } = contextWith(600_000);
    expect(await writeReportLink(ctx, 'runs', makeReport())).toMatch(
      /^https:\/\/s3\.console\.aws\.amazon\.com\//,
    );
    const [call] = s3.commandCalls(PutObjectCommand);
    expect((call?.args as unknown[] | undefined)?.[1]).toEqual({ abortSignal: signal });
  });

  it('never lets the connection raise the two silent attempts, only lower them', () => {
    expect(reportConnection({}).silentAttempts).toBe(2);
    expect(reportConnection({ silentAttempts: 5 }).silentAttempts).toBe(2);
    expect(reportConnection({ silentAttempts: undefined }).silentAttempts).toBe(2);
    expect(reportConnection({ silentAttempts: 1, requestTimeoutMs: 3_000 })).toEqual({
      silentAttempts: 1,
      requestTimeoutMs: 3_000,
    });
  });
});
