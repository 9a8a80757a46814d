import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateRoomCommand, GetRoomCommand, IvschatClient } from '@aws-sdk/client-ivschat';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toRoomDocument } from '../../lambda/aws/room-document.js';
import type { Finding, Report } from '../../lambda/core/types.js';
import { type LocalAws, startLocalAws } from '../../local-aws/index.js';
import { cli } from './run.js';

// UpdateRoom/CreateRoom (ivschat API reference): "Specify an empty uri string to disassociate a
// message review handler from the specified room". A saved document with `uri: ""` therefore means
// what the emulator and AWS make of it: no handler.
let aws: LocalAws;
let dir: string;
beforeAll(async () => {
  aws = await startLocalAws();
  dir = mkdtempSync(join(tmpdir(), 'empty-handler-'));
});
afterAll(async () => {
  await aws.close();
  rmSync(dir, { recursive: true, force: true });
});

const detached = { uri: '', fallbackResult: 'ALLOW' as const };
const said = (findings: Finding[]) => findings.map((f) => `${f.policyId} ${f.path}: ${f.message}`).sort();

describe('a review handler with an empty uri', () => {
  it('gives the same findings offline as a live audit of the room created that way', async () => {
    const ivschat = new IvschatClient({
      region: 'us-west-2',
      endpoint: aws.endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const created = await ivschat.send(
      new CreateRoomCommand({ name: 'detached', messageReviewHandler: detached, tags: { owner: 'chat' } }),
    );
    const live = await cli('audit', '--endpoint', aws.endpoint, '--region', 'us-west-2', '--format', 'json');
    const liveFindings = (JSON.parse(live.stdout) as Report).findings;

    // The user's saved copy of the room still holds the handler as they sent it.
    const saved = {
      ...toRoomDocument(await ivschat.send(new GetRoomCommand({ identifier: created.arn }))),
      messageReviewHandler: detached,
      loggingConfigurations: [],
    };
    const path = join(dir, 'rooms.json');
    writeFileSync(path, JSON.stringify([saved]));
    const offline = await cli('audit', '--input', path, '--format', 'json');
    const offlineFindings = (JSON.parse(offline.stdout) as Report).findings;

    expect(said(offlineFindings)).toEqual(said(liveFindings));
    expect(said(offlineFindings).filter((s) => s.includes('review-handler'))).toEqual([
      'review-handler-fallback-deny /messageReviewHandler: messageReviewHandler is missing; it is required',
    ]);
  });

  it('is no handler in the document made from an SDK answer', () => {
    const doc = toRoomDocument({
      arn: 'arn:aws:ivschat:us-east-1:111111111111:room/AbCd',
      messageReviewHandler: detached,
    });
    expect(doc).toEqual({ arn: 'arn:aws:ivschat:us-east-1:111111111111:room/AbCd' });
  });
});
