import { describe, expect, it } from 'vitest';
import { decodeChunks, GzipJsonArray, splitChunks } from '../../lambda/state/chunks.js';

describe('GzipJsonArray', () => {
  it('reads back as the array pushed, across many gzip members, and holds it compressed', async () => {
    const rooms = Array.from({ length: 5_000 }, (_, i) => ({
      arn: `arn:aws:ivschat:us-east-1:111111111111:room/r${i}`,
      name: `room-${i}`,
      maximumMessageLength: 500,
      tags: { owner: 'team', env: i % 2 ? 'prod' : 'dev' },
    }));
    const array = new GzipJsonArray();
    for (const room of rooms) array.push(room);

    expect(array.length).toBe(5_000);
    const zipped = array.finish();
    expect(zipped.length).toBeLessThan(JSON.stringify(rooms).length / 10);
    const chunks = splitChunks(zipped, 'rooms');
    expect(await decodeChunks(chunks, chunks.length, 'rooms')).toEqual(rooms);
  });

  it('reads back an empty array', async () => {
    const zipped = new GzipJsonArray().finish();
    expect(await decodeChunks([zipped], 1, 'rooms')).toEqual([]);
  });
});
