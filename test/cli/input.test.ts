import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Evaluator } from '../../lambda/audit/evaluate.js';
import type { Report, RoomDocument } from '../../lambda/core/types.js';
import { compliantRoom } from '../fixtures.js';
import { cli } from './run.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'input-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function file(text: string, name = 'rooms.json'): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const tooLong = compliantRoom({ name: 'too-long', maximumMessageLength: 500 }, 'TooLong00001');
const fine = compliantRoom({ name: 'fine' }, 'Fine00000001');

/** What a ListRooms summary carries: no maximumMessageLength, no maximumMessageRatePerSecond. */
function summary(room: RoomDocument): RoomDocument {
  const { maximumMessageLength: _l, maximumMessageRatePerSecond: _r, ...rest } = room;
  return rest as RoomDocument;
}

async function audited(path: string): Promise<{ code: number; names: string[]; rooms: number }> {
  const { code, stdout, stderr } = await cli('audit', '--input', path, '--format', 'json');
  if (code > 1) throw new Error(`exit ${code}: ${stderr}`);
  const report = JSON.parse(stdout) as Report;
  return { code, names: report.findings.map((f) => f.roomName), rooms: report.roomsAudited };
}

describe('ivschat-audit audit --input: the shapes users have', () => {
  it('accepts a JSON array of GetRoom documents', async () => {
    expect(await audited(file(JSON.stringify([tooLong, fine])))).toEqual({
      code: 1,
      names: ['too-long'],
      rooms: 2,
    });
  });

  it('accepts { "rooms": [...] } (export-rooms output), other members ignored', async () => {
    const text = JSON.stringify({ nextToken: 'abc', rooms: [tooLong, fine], exportedAt: 'x' });
    expect(await audited(file(text))).toEqual({ code: 1, names: ['too-long'], rooms: 2 });
  });

  it('accepts a single get-room document', async () => {
    expect(await audited(file(JSON.stringify(tooLong, null, 2)))).toEqual({
      code: 1,
      names: ['too-long'],
      rooms: 1,
    });
  });

  it('accepts a file that starts with a UTF-8 byte-order mark', async () => {
    expect(await audited(file(`\uFEFF${JSON.stringify({ rooms: [fine] })}`))).toEqual({
      code: 0,
      names: [],
      rooms: 1,
    });
  });

  it('refuses a UTF-16 file (Windows PowerShell redirection) saying how to save it', async () => {
    const path = join(dir, 'utf16.json');
    writeFileSync(
      path,
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(JSON.stringify([fine]), 'utf16le')]),
    );
    const { code, stderr } = await cli('audit', '--input', path);
    expect(code).toBe(2);
    expect(stderr).toContain(`${path}: not valid JSON: the file is UTF-16 text; save it as UTF-8`);
  });

  it('accepts an empty list', async () => {
    expect(await audited(file('{"rooms":[]}'))).toEqual({ code: 0, names: [], rooms: 0 });
  });
});

describe('ivschat-audit audit --input: refused with exit 2, naming file and pointer', () => {
  it('refuses list-rooms output instead of reporting compliant rooms as "maximumMessageLength is missing"', async () => {
    const path = file(JSON.stringify({ rooms: [summary(fine)], nextToken: 'n' }), 'list.json');
    const { code, stdout, stderr } = await cli('audit', '--input', path);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(`${path} /rooms/0: this looks like ListRooms output`);
    expect(stderr).toContain('GetRoom documents are needed');
    expect(stderr).toContain('ivschat-audit export-rooms');
    expect(stderr).toContain('aws ivschat get-room');
  });

  it('refuses a summary anywhere in the list, by its index', async () => {
    const { code, stderr } = await cli(
      'audit',
      '--input',
      file(JSON.stringify([fine, tooLong, summary(fine)])),
    );
    expect(code).toBe(2);
    expect(stderr).toContain('rooms.json /2: this looks like ListRooms output');
  });

  it('refuses a single summary document', async () => {
    const { code, stderr } = await cli('audit', '--input', file(JSON.stringify(summary(fine))));
    expect(code).toBe(2);
    expect(stderr).toContain('rooms.json /: this looks like ListRooms output');
  });

  it('audits a GetRoom document that lacks only one of the GetRoom fields (the rule reports it)', async () => {
    const { maximumMessageLength: _l, ...noLength } = fine;
    expect(await audited(file(JSON.stringify([noLength])))).toMatchObject({ code: 1, names: ['fine'] });
  });

  it.each([
    [
      '"rooms" that is not an array',
      '{"rooms":{}}',
      'rooms.json /rooms: expected an array of GetRoom documents',
    ],
    ['a number', '42', 'rooms.json /: expected a JSON array of GetRoom documents'],
    ['an object that is no room', '{"name":"x"}', 'rooms.json /: expected a JSON array of GetRoom documents'],
    ['a null room', '[null]', 'rooms.json /0: a room document must be an object with a string "arn"'],
    [
      'an ARN that is not a chat room',
      JSON.stringify([{ ...fine, arn: 'arn:aws:ivs:us-east-1:123456789012:channel/x' }]),
      'rooms.json /0/arn: "arn:aws:ivs:us-east-1:123456789012:channel/x" is not an IVS Chat room ARN',
    ],
    ['a truncated file', '[{"arn":', 'rooms.json /0: not valid JSON'],
  ])('refuses %s', async (_label, text, message) => {
    const { code, stderr } = await cli('audit', '--input', file(text));
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });
});

describe('ivschat-audit audit --input: evaluation', () => {
  it('evaluates every room of the file through one Evaluator, as a live run does', async () => {
    const original = Evaluator.prototype.evaluate;
    const alsoTooLong = compliantRoom({ name: 'also-too-long', maximumMessageLength: 400 }, 'TooLong00002');
    const fileRooms = new Set([tooLong, fine, alsoTooLong].map((r) => r.arn));
    // Loading the policies evaluates their examples too (a fix is proven on them): only the file's rooms count.
    const used = new Set<Evaluator>();
    let calls = 0;
    const evaluate = vi.spyOn(Evaluator.prototype, 'evaluate').mockImplementation(function (
      this: Evaluator,
      room,
      ctx,
    ) {
      if (fileRooms.has(room.arn)) {
        used.add(this);
        calls += 1;
      }
      return original.call(this, room, ctx);
    });
    try {
      const { names, rooms } = await audited(file(JSON.stringify([tooLong, fine, alsoTooLong])));
      expect(rooms).toBe(3);
      expect(names.sort()).toEqual(['also-too-long', 'too-long']);
      expect(calls).toBe(3);
      expect(used.size).toBe(1);
    } finally {
      evaluate.mockRestore();
    }
  });
});
