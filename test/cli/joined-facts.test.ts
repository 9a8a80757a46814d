import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AccessDeniedException,
  GetRoomCommand,
  IvschatClient,
  ListLoggingConfigurationsCommand,
  ListRoomsCommand,
} from '@aws-sdk/client-ivschat';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exportRooms } from '../../lambda/cli/export-rooms.js';
import type { Report, RoomDocument } from '../../lambda/core/types.js';
import { ACCOUNT, compliantRoom } from '../fixtures.js';
import { cli } from './run.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'joined-facts-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const dangling = `arn:aws:ivschat:us-east-1:${ACCOUNT}:logging-configuration/LcGone000001`;
/** As export-rooms writes it: the room points at a configuration that no longer exists. */
const exported = compliantRoom({
  name: 'gone-logs',
  loggingConfigurationIdentifiers: [dangling],
  loggingConfigurations: [{ arn: dangling, state: 'NOT_FOUND' }],
});
/** The same room as a plain GetRoom document (aws ivschat get-room): no joined facts. */
const { loggingConfigurations: _, ...plain } = exported;

function write(name: string, rooms: RoomDocument[]): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify({ rooms }));
  return path;
}

describe('audit --input and joined facts', () => {
  it('reports policies that need missing joined facts as not evaluated, never as findings or resolutions', async () => {
    const state = join(dir, 'state.json');
    const first = await cli('audit', '--input', write('exported.json', [exported]), '--state', state);
    expect(first.code).toBe(1);
    expect(first.stdout).toContain(
      `logging configuration "${dangling}" is "NOT_FOUND"; it must exist and be ACTIVE`,
    );

    const second = await cli(
      'audit',
      '--format',
      'json',
      '--input',
      write('plain.json', [plain as RoomDocument]),
      '--state',
      state,
    );

    // A warning, not an incomplete audit: the room breaks no policy that could be evaluated.
    expect(second.code).toBe(0);
    const report = JSON.parse(second.stdout) as Report;
    expect(report.complete).toBe(true);
    expect(report.findings.filter((f) => f.policyId === 'logging-active')).toEqual([]);
    expect(report.errors).toEqual([]);
    expect(report.notEvaluated).toEqual([
      {
        policyId: 'logging-active',
        reason: expect.stringContaining('it reads loggingConfigurations, which plain get-room output lacks'),
        rooms: [exported.arn],
      },
    ]);
    const stored = JSON.parse(readFileSync(state, 'utf8')) as unknown;
    expect(JSON.stringify(stored)).toContain('"policyId":"logging-active"');
    const third = await cli('audit', '--input', join(dir, 'exported.json'), '--state', state);
    expect(third.stdout).toMatch(/OPEN +gone-logs/);
  });
});

describe('export-rooms', () => {
  const ivschat = mockClient(IvschatClient);
  afterEach(() => ivschat.reset());

  it('writes each room with its logging configurations joined, so auditing the file is complete', async () => {
    const active = `arn:aws:ivschat:us-east-1:${ACCOUNT}:logging-configuration/LcActive0001`;
    const room = compliantRoom({ loggingConfigurationIdentifiers: [active, dangling] });
    delete room.loggingConfigurations;
    ivschat.on(ListRoomsCommand).resolves({ rooms: [{ arn: room.arn, name: room.name }] });
    ivschat.on(GetRoomCommand).resolves({ ...room, createTime: undefined, updateTime: undefined } as never);
    ivschat.on(ListLoggingConfigurationsCommand).resolves({
      loggingConfigurations: [
        {
          arn: active,
          id: 'LcActive0001',
          name: 'archive',
          state: 'ACTIVE',
          destinationConfiguration: { cloudWatchLogs: { logGroupName: '/chat/archive' } },
        },
      ],
    });
    const output = join(dir, 'rooms.json');

    const result = await exportRooms({
      regions: ['us-east-1'],
      connection: {},
      apiBudgetTps: 5,
      output,
    });

    expect(result).toMatchObject({ complete: true, rooms: 1, errors: [] });
    const [written] = (JSON.parse(readFileSync(output, 'utf8')) as { rooms: RoomDocument[] }).rooms;
    expect(written?.loggingConfigurations).toEqual([
      {
        arn: active,
        id: 'LcActive0001',
        name: 'archive',
        state: 'ACTIVE',
        destinationType: 'cloudWatchLogs',
        destination: '/chat/archive',
      },
      { arn: dangling, state: 'NOT_FOUND' },
    ]);
    const audit = await cli('audit', '--format', 'json', '--input', output);
    const report = JSON.parse(audit.stdout) as Report;
    expect(report.complete).toBe(true);
    expect(report.findings.map((f) => f.policyId)).toEqual(['logging-active']);
  });

  it('keeps an export whose logging configurations could not be listed as .partial, rooms without joined facts', async () => {
    const room = compliantRoom();
    delete room.loggingConfigurations;
    ivschat.on(ListRoomsCommand).resolves({ rooms: [{ arn: room.arn, name: room.name }] });
    ivschat.on(GetRoomCommand).resolves({ ...room, createTime: undefined, updateTime: undefined } as never);
    ivschat
      .on(ListLoggingConfigurationsCommand)
      .rejects(new AccessDeniedException({ message: 'no ListLoggingConfigurations', $metadata: {} }));
    const output = join(dir, 'rooms.json');

    const result = await exportRooms({ regions: ['us-east-1'], connection: {}, apiBudgetTps: 5, output });

    expect(result).toMatchObject({
      complete: false,
      path: `${output}.partial`,
      errors: [{ operation: 'ListLoggingConfigurations', code: 'AccessDeniedException' }],
    });
    const [written] = (JSON.parse(readFileSync(`${output}.partial`, 'utf8')) as { rooms: RoomDocument[] })
      .rooms;
    expect(written).not.toHaveProperty('loggingConfigurations');
    expect(written?.arn).toBe(room.arn);
  });
});
