import { readFile, rename, writeFile } from 'node:fs/promises';
import { InputError } from '../core/errors.js';
import type { FindingRecord } from '../core/lifecycle.js';
import type { StateStore } from './store.js';

interface StateFile {
  version: 1;
  findings: Record<string, FindingRecord>;
}

/** Lifecycle state in a local JSON file, for `ivschat-audit audit --state FILE`. */
export class FileStateStore implements StateStore {
  private cache: StateFile | undefined;

  constructor(private readonly path: string) {}

  async load(): Promise<Map<string, FindingRecord>> {
    const state = await this.read();
    return new Map(Object.entries(state.findings));
  }

  async save(changes: readonly FindingRecord[]): Promise<void> {
    const state = await this.read();
    for (const change of changes) state.findings[change.fingerprint] = change;
    // Write then rename: an interrupted run never leaves a half-written state file.
    const tmp = `${this.path}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`);
    await rename(tmp, this.path);
  }

  private async read(): Promise<StateFile> {
    if (this.cache) return this.cache;
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        this.cache = { version: 1, findings: {} };
        return this.cache;
      }
      throw new InputError(`cannot read state file ${this.path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    try {
      const parsed = JSON.parse(text) as StateFile;
      if (parsed?.version !== 1 || typeof parsed.findings !== 'object')
        throw new Error('not an ivschat-auditor state file');
      this.cache = parsed;
      return parsed;
    } catch (error) {
      throw new InputError(`state file ${this.path} is unusable: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}
