import { access, appendFile, readFile } from 'node:fs/promises';
import { InputError, TrailWriteError } from '../core/errors.js';
import { fileProblem } from '../core/file-problem.js';
import type { Trail, TrailEntry } from './trail.js';

const REQUIRED = [
  'changeId',
  'kind',
  'outcome',
  'policyId',
  'accountId',
  'region',
  'roomArn',
  'before',
  'after',
  'time',
  'actor',
];

/**
 * The audit trail as a JSONL file: one entry a line, only ever appended, so an interrupted run
 * leaves every change it made recorded and a reader can follow the file with `tail -f` or `jq`.
 */
export class FileTrail implements Trail {
  constructor(readonly path: string) {}

  async append(entry: TrailEntry): Promise<void> {
    try {
      await appendFile(this.path, `${JSON.stringify(entry)}\n`, 'utf8');
    } catch (cause) {
      // The change may be made already: the user must learn it is not recorded, and of which room.
      throw new TrailWriteError(
        `--trail ${this.path}: cannot record ${entry.outcome} change ${entry.changeId} of ${entry.roomArn} (${(cause as NodeJS.ErrnoException).code ?? cause}); nothing more is changed`,
        { cause },
      );
    }
  }

  /** Every entry, in order; none when the file does not exist yet (`exists` tells the two apart). */
  async entries(): Promise<TrailEntry[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new InputError(`--trail ${this.path}: ${fileProblem(cause)}`, { cause });
    }
    const entries: TrailEntry[] = [];
    const notATrail = 'not a remediation trail (the JSONL file --apply writes, one change a line)';
    text.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      let entry: unknown;
      try {
        entry = JSON.parse(line);
      } catch (cause) {
        throw new InputError(`--trail ${this.path} line ${i + 1}: not JSON; ${notATrail}`, { cause });
      }
      const missing = REQUIRED.find((key) => (entry as Record<string, unknown> | null)?.[key] === undefined);
      if (missing)
        throw new InputError(`--trail ${this.path} line ${i + 1} /${missing}: missing; ${notATrail}`);
      entries.push(entry as TrailEntry);
    });
    return entries;
  }

  async exists(): Promise<boolean> {
    return access(this.path).then(
      () => true,
      () => false,
    );
  }
}
