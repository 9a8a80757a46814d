import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ROOM_FIELDS } from '../../lambda/core/room-fields.js';

const SOURCE_LABEL = { list: 'ListRooms summary', getRoom: 'GetRoom', joined: 'joined', derived: 'derived' };

describe('policies/README.md field table', () => {
  it('lists every room field with the source lambda/core/room-fields.ts gives it, in its order', () => {
    const readme = readFileSync(new URL('../../policies/README.md', import.meta.url), 'utf8');
    const block =
      /<!-- room-fields:start[^>]*-->\n([\s\S]*?)<!-- room-fields:end -->/.exec(readme)?.[1] ?? '';
    const rows = block
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .map((line) => line.split(' | ').map((cell) => cell.replace(/^\| /, '').replace(/ \|$/, '')));
    expect(rows).toEqual(ROOM_FIELDS.map((f) => [`\`${f.path}\``, SOURCE_LABEL[f.source], f.doc]));
  });
});
