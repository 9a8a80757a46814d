import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CHANGE_EVENT_NAMES } from '../../lambda/core/change-writes.js';
import {
  type Change,
  changeMessages,
  coalesceChanges,
  isChangeTrigger,
  isDirectChangeEvent,
  type ParsedEvent,
  parseChangeEvent,
} from '../../lambda/modes/changes/events.js';
import { ownRoleArns } from '../../lambda/modes/changes/own-roles.js';
import { IVSCHAT_WRITE_OPERATIONS } from '../../local-aws/ivschat-events.js';

const EVENTS_DIR = fileURLToPath(new URL('../../examples/events/', import.meta.url));
const ROOM = 'arn:aws:ivschat:us-east-1:123456789012:room/g1H2I3J4k5L6';
const LOGGING = 'arn:aws:ivschat:us-east-1:123456789012:logging-configuration/AbCdEf123456';
const AUDITOR = '000000000000';
const ROLES = {
  functionRoleName: 'ivschat-auditor-fn-role',
  selfAccountId: AUDITOR,
  memberRoleName: 'ivschat-auditor-member',
};
const OWN = { ownRoleArns: ownRoleArns(ROLES) };

// biome-ignore lint/suspicious/noExplicitAny: the samples are read as loose JSON, and the assertions check their shape
type Json = Record<string, any>;
const sample = (name: string): Json => JSON.parse(readFileSync(`${EVENTS_DIR}${name}`, 'utf8'));
const parse = (event: unknown) => parseChangeEvent(event, OWN);
const changeOf = (parsed: ParsedEvent): Change => {
  if (!('change' in parsed)) throw new Error(`ignored: ${parsed.ignored} (${parsed.detail})`);
  return parsed.change;
};
const withDetail = (name: string, detail: Json): Json => {
  const event = sample(name);
  return { ...event, detail: { ...event.detail, ...detail } };
};

describe('isChangeTrigger', () => {
  it('recognises an SQS batch, the change queue being the only way in', () => {
    expect(isChangeTrigger(sample('sqs-batch.json'))).toBe(true);
  });

  it('does not take one aws.ivschat event invoked directly: it is a direct change event, refused', () => {
    expect(isChangeTrigger(sample('update-room.json'))).toBe(false);
    expect(isDirectChangeEvent(sample('update-room.json'))).toBe(true);
    expect(isDirectChangeEvent(sample('sqs-batch.json'))).toBe(false);
    expect(isDirectChangeEvent({})).toBe(false);
    expect(isDirectChangeEvent({ source: 'aws.events', 'detail-type': 'Scheduled Event' })).toBe(false);
  });

  it('leaves the scheduled run and the state machine steps alone', () => {
    expect(isChangeTrigger({})).toBe(false);
    expect(isChangeTrigger({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} })).toBe(
      false,
    );
    expect(isChangeTrigger({ step: 'plan', runId: 'r', startedAt: '2026-11-26T10:00:00Z' })).toBe(false);
    expect(isChangeTrigger({ Records: [] })).toBe(false);
    expect(isChangeTrigger({ Records: [{ eventSource: 'aws:s3' }] })).toBe(false);
    expect(isChangeTrigger(null)).toBe(false);
  });
});

describe('changeMessages', () => {
  it('parses each SQS body and keeps its messageId', () => {
    const messages = changeMessages(sample('sqs-batch.json'));
    expect(messages.map((m) => m.messageId)).toEqual([
      '0d6c3f5a-1b2e-4c7d-8e9f-a0b1c2d3e4f5',
      '7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d',
    ]);
    expect(messages.map((m) => changeOf(parse(m.event)))).toMatchObject([
      { kind: 'room', roomArn: ROOM, eventName: 'UpdateRoom' },
      { kind: 'room', roomArn: ROOM, eventName: 'TagResource' },
    ]);
  });

  it('marks a body that is not JSON as malformed, naming why', () => {
    const [message] = changeMessages({
      Records: [{ messageId: 'm1', eventSource: 'aws:sqs', body: '{"source": "aws.ivschat", ' }],
    });
    expect(message).toMatchObject({ messageId: 'm1', event: undefined });
    expect(message?.malformed).toMatch(/not JSON/);
  });

  it('finds no message in anything but an SQS batch', () => {
    expect(changeMessages(sample('delete-room.json'))).toEqual([]);
  });
});

describe('parseChangeEvent', () => {
  it('reads a CreateRoom from its responseElements.arn', () => {
    expect(changeOf(parse(sample('create-room.json')))).toEqual({
      kind: 'room',
      accountId: '123456789012',
      region: 'us-east-1',
      roomArn: ROOM,
      eventName: 'CreateRoom',
    });
  });

  it('reads an UpdateRoom from requestParameters.identifier, with its event id and time', () => {
    const parsed = parse(sample('update-room.json'));
    expect(parsed).toMatchObject({
      change: { kind: 'room', roomArn: ROOM },
      eventId: '9e2d7a41-3c5b-4f6e-8a9b-1c2d3e4f5a02',
      eventTime: '2026-11-26T10:14:37Z',
    });
  });

  it('reads TagResource and UntagResource of a room from requestParameters.resourceArn', () => {
    expect(changeOf(parse(sample('tag-resource.json')))).toMatchObject({ kind: 'room', roomArn: ROOM });
    expect(changeOf(parse(sample('untag-resource.json')))).toMatchObject({ kind: 'room', roomArn: ROOM });
  });

  it('decodes a URL-encoded resourceArn', () => {
    const event = withDetail('tag-resource.json', {
      requestParameters: { resourceArn: encodeURIComponent(ROOM), tags: { env: 'prod' } },
    });
    expect(changeOf(parse(event))).toMatchObject({ roomArn: ROOM });
  });

  it('reads a DeleteRoom as a room to read again, not as a deletion (GetRoom decides)', () => {
    expect(changeOf(parse(sample('delete-room.json')))).toEqual({
      kind: 'room',
      accountId: '123456789012',
      region: 'us-east-1',
      roomArn: ROOM,
      eventName: 'DeleteRoom',
    });
  });

  it('reads a logging-configuration update, keeping the configuration ARN', () => {
    expect(changeOf(parse(sample('update-logging-configuration.json')))).toEqual({
      kind: 'logging',
      accountId: '123456789012',
      region: 'us-east-1',
      configurationArn: LOGGING,
      eventName: 'UpdateLoggingConfiguration',
    });
  });

  it('reads a tag on a logging configuration as a logging change', () => {
    const event = withDetail('tag-resource.json', { requestParameters: { resourceArn: LOGGING, tags: {} } });
    expect(changeOf(parse(event))).toMatchObject({ kind: 'logging', configurationArn: LOGGING });
  });

  it('ignores a failed call (errorCode set): it changed nothing', () => {
    expect(parse(sample('update-room-failed.json'))).toMatchObject({
      ignored: 'failed call',
      detail: 'UpdateRoom: ValidationException',
    });
  });

  /**
   * update-room.json (a room of `recipientAccountId`) written by a session that `issuer` issued:
   * a role (`role/<path/>name`) by default, or an IAM user's federated session.
   */
  const by = (
    name: string,
    accountId: string,
    recipientAccountId = '123456789012',
    issuer: { type: 'Role' | 'IAMUser'; path?: string } = { type: 'Role' },
  ) => {
    const kind = issuer.type === 'Role' ? 'role' : 'user';
    const event = withDetail('update-room.json', {
      userIdentity: {
        type: issuer.type === 'Role' ? 'AssumedRole' : 'FederatedUser',
        sessionContext: {
          sessionIssuer: {
            type: issuer.type,
            userName: name,
            accountId,
            arn: `arn:aws:iam::${accountId}:${kind}/${issuer.path ?? ''}${name}`,
          },
        },
      },
      recipientAccountId,
    });
    const json = JSON.stringify({ ...event, account: recipientAccountId });
    return JSON.parse(json.replaceAll('123456789012', recipientAccountId));
  };

  it("ignores the auditor's own change: its function role in its own account", () => {
    expect(parse(by('ivschat-auditor-fn-role', AUDITOR, AUDITOR))).toMatchObject({
      ignored: 'own change',
      detail: `UpdateRoom by arn:aws:iam::${AUDITOR}:role/ivschat-auditor-fn-role`,
    });
  });

  it("ignores the auditor's own change: the member role (with its path) in the room's own account", () => {
    expect(parse(by('ivschat-auditor-member', '123456789012'))).toMatchObject({ ignored: 'own change' });
    const withPath = { ownRoleArns: ownRoleArns({ ...ROLES, memberRoleName: 'auditing/member' }) };
    expect(
      parseChangeEvent(
        by('member', '123456789012', undefined, { type: 'Role', path: 'auditing/' }),
        withPath,
      ),
    ).toMatchObject({ ignored: 'own change' });
    expect(parse(by('PlatformAdmin', '123456789012'))).toHaveProperty('change');
  });

  it("audits a write by a role of the member role's name under another path (the path is part of the role)", () => {
    // No path configured: a role "other/ivschat-auditor-member" is someone else's role.
    expect(
      changeOf(
        parse(by('ivschat-auditor-member', '123456789012', undefined, { type: 'Role', path: 'other/' })),
      ),
    ).toMatchObject({ roomArn: ROOM });
    // A path configured: the role of that name at the root, or under another path, is not the member role.
    const withPath = {
      ownRoleArns: ownRoleArns({ ...ROLES, memberRoleName: 'auditing/ivschat-auditor-member' }),
    };
    for (const path of ['', 'other/', 'auditing/more/']) {
      expect(
        parseChangeEvent(
          by('ivschat-auditor-member', '123456789012', undefined, { type: 'Role', path }),
          withPath,
        ),
        path,
      ).toHaveProperty('change');
    }
  });

  it('audits a federated session of an IAM user named like the member or the function role', () => {
    // GetFederationToken: sessionIssuer.type IAMUser, userName the user's; users and roles are separate names.
    const user = { type: 'IAMUser' } as const;
    expect(changeOf(parse(by('ivschat-auditor-member', '123456789012', undefined, user)))).toMatchObject({
      roomArn: ROOM,
    });
    expect(parse(by('ivschat-auditor-fn-role', AUDITOR, AUDITOR, user))).toHaveProperty('change');
  });

  it("audits a write by a role named like the function's in another account than the auditor's", () => {
    expect(changeOf(parse(by('ivschat-auditor-fn-role', '123456789012')))).toMatchObject({
      kind: 'room',
      roomArn: ROOM,
    });
  });

  it('audits a write by a role named like the member role in another account than the room’s', () => {
    // A role of that name in some account that may write to the room (or claims to) is not the auditor.
    expect(changeOf(parse(by('ivschat-auditor-member', '111111111111')))).toMatchObject({ roomArn: ROOM });
    // Nor is the member role of the auditor's own account writing elsewhere, nor an issuer without an ARN.
    expect(parse(by('ivschat-auditor-member', AUDITOR))).toHaveProperty('change');
    const noArn = withDetail('update-room.json', {
      userIdentity: {
        type: 'AssumedRole',
        sessionContext: { sessionIssuer: { type: 'Role', userName: 'ivschat-auditor-member' } },
      },
    });
    expect(parse(noArn)).toHaveProperty('change');
  });

  it("ignores an event whose EventBridge account is not CloudTrail's recipientAccountId", () => {
    const event = { ...sample('update-room.json'), account: '111111111111' };
    expect(parse(event)).toMatchObject({
      ignored: 'account mismatch',
      detail: 'UpdateRoom: event account 111111111111 is not recipientAccountId 123456789012',
    });
    const { account: _account, ...noAccount } = sample('update-room.json');
    expect(parse(noAccount)).toMatchObject({ ignored: 'account mismatch' });
  });

  it('ignores an unknown event, a read-only call and another service', () => {
    expect(parse(withDetail('update-room.json', { eventName: 'GetRoom' }))).toMatchObject({
      ignored: 'unknown event',
      detail: 'eventName GetRoom',
    });
    expect(parse(withDetail('update-room.json', { readOnly: true }))).toMatchObject({
      ignored: 'read-only call',
    });
    expect(parse({ ...sample('update-room.json'), source: 'aws.ivs' })).toMatchObject({
      ignored: 'not an IVS Chat API call',
    });
  });

  it('ignores malformed fields, naming the field', () => {
    expect(parse(withDetail('update-room.json', { recipientAccountId: 'me' }))).toMatchObject({
      ignored: 'malformed fields',
      detail: expect.stringContaining('recipientAccountId'),
    });
    expect(parse(withDetail('update-room.json', { awsRegion: 42 }))).toMatchObject({
      ignored: 'malformed fields',
      detail: expect.stringContaining('awsRegion'),
    });
    expect(parse(withDetail('update-room.json', { requestParameters: {} }))).toMatchObject({
      ignored: 'malformed fields',
      detail: expect.stringContaining('no room ARN'),
    });
    // A room ARN of another account than the one the event was recorded in is not this event's room.
    const elsewhere = ROOM.replace('123456789012', '000000000000');
    expect(
      parse(withDetail('update-room.json', { requestParameters: { identifier: elsewhere } })),
    ).toMatchObject({
      ignored: 'malformed fields',
    });
    expect(parse({ source: 'aws.ivschat' })).toMatchObject({ ignored: 'malformed message' });
    expect(parse('text')).toMatchObject({ ignored: 'malformed message' });
  });

  it('acts on exactly the eight write calls', () => {
    expect([...CHANGE_EVENT_NAMES].sort()).toEqual([
      'CreateLoggingConfiguration',
      'CreateRoom',
      'DeleteLoggingConfiguration',
      'DeleteRoom',
      'TagResource',
      'UntagResource',
      'UpdateLoggingConfiguration',
      'UpdateRoom',
    ]);
    // The emulator announces the same writes (it models the service, so it keeps its own list).
    expect([...IVSCHAT_WRITE_OPERATIONS].sort()).toEqual([...CHANGE_EVENT_NAMES].sort());
  });
});

describe('every sample event', () => {
  const files = readdirSync(EVENTS_DIR).filter((f) => f.endsWith('.json'));

  it.each(files)('%s is a real-shaped change event with the documented fields', (file) => {
    const trigger = sample(file);
    // Each sample is a message body, or the SQS batch that carries such bodies.
    const messages = isChangeTrigger(trigger) ? changeMessages(trigger) : [{ event: trigger }];
    for (const { event, malformed } of messages as { event: unknown; malformed?: string }[]) {
      expect(malformed).toBeUndefined();
      const e = event as Json;
      expect(e).toMatchObject({
        'detail-type': 'AWS API Call via CloudTrail',
        source: 'aws.ivschat',
        account: '123456789012',
      });
      expect(e.detail).toMatchObject({
        eventSource: 'ivschat.amazonaws.com',
        recipientAccountId: '123456789012',
        awsRegion: 'us-east-1',
        eventType: 'AwsApiCall',
        managementEvent: true,
        readOnly: false,
      });
      for (const field of [
        'eventVersion',
        'eventTime',
        'eventID',
        'requestID',
        'userAgent',
        'sourceIPAddress',
      ]) {
        expect(typeof e.detail[field], field).toBe('string');
      }
      expect(e.detail.userIdentity.sessionContext.sessionIssuer).toMatchObject({
        type: 'Role',
        userName: 'PlatformAdmin',
        arn: 'arn:aws:iam::123456789012:role/PlatformAdmin',
      });
      const parsed = parse(e);
      if (file === 'update-room-failed.json') expect(parsed).toMatchObject({ ignored: 'failed call' });
      else expect(parsed).toHaveProperty('change');
    }
  });
});

describe('coalesceChanges', () => {
  const room = (arn: string, deleted = false, accountId = '123456789012'): Change => ({
    kind: 'room',
    accountId,
    region: 'us-east-1',
    roomArn: arn,
    eventName: deleted ? 'DeleteRoom' : 'UpdateRoom',
  });

  it('makes ten updates of one room one room, keeping every message id', () => {
    const changes = Array.from({ length: 10 }, (_, i) => ({ change: room(ROOM), messageId: `m${i}` }));
    const [target, ...more] = coalesceChanges(changes);
    expect(more).toEqual([]);
    expect(target).toMatchObject({ rooms: [ROOM], events: 10 });
    expect(target?.messageIds).toHaveLength(10);
  });

  it('reads a deleted room like a written one: one room to fetch, in first-seen order', () => {
    const other = ROOM.replace('g1H2', 'zzzz');
    const [target] = coalesceChanges([
      { change: room(other, true) },
      { change: room(ROOM) },
      { change: room(ROOM, true) },
      { change: room(other) },
    ]);
    expect(target).toMatchObject({ rooms: [other, ROOM], events: 4 });
    expect(target).not.toHaveProperty('deleted');
  });

  it('groups by target and keeps logging configuration ARNs', () => {
    const targets = coalesceChanges([
      { change: room(ROOM) },
      { change: room(ROOM.replace('123456789012', '000000000000'), false, '000000000000') },
      {
        change: {
          kind: 'logging',
          accountId: '123456789012',
          region: 'us-east-1',
          configurationArn: LOGGING,
          eventName: 'UpdateLoggingConfiguration',
        },
      },
    ]);
    expect(targets.map((t) => [t.accountId, t.rooms.length, t.loggingConfigurations])).toEqual([
      ['123456789012', 1, [LOGGING]],
      ['000000000000', 1, []],
    ]);
  });
});

describe('parseChangeEvent: quoted values', () => {
  it('cuts a long value at 120 characters without splitting an emoji', () => {
    const eventName = `${'E'.repeat(119)}😀rest`;
    expect(parse(withDetail('update-room.json', { eventName }))).toMatchObject({
      ignored: 'unknown event',
      detail: `eventName ${'E'.repeat(119)}…`,
    });
    expect(parse(withDetail('update-room.json', { eventName: 'A'.repeat(130) }))).toMatchObject({
      detail: `eventName ${'A'.repeat(120)}…`,
    });
  });
});
