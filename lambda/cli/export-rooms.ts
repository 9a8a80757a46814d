import { accessSync, constants, createWriteStream, statSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { type AwsConnection, ivschatClient } from '../aws/clients.js';
import { type InventoryProgress, inventoryRegion } from '../aws/inventory.js';
import { withApiBudget } from '../aws/rate-limit.js';
import { ConfigError, InputError } from '../core/errors.js';
import type { AuditError, RegionInventory } from '../core/types.js';

export interface ExportOptions {
  regions: readonly string[];
  connection: AwsConnection;
  apiBudgetTps: number;
  /** The rooms file to write (`{ "rooms": [GetRoom documents] }`, what `audit --input` reads). */
  output: string;
  signal?: AbortSignal;
  onProgress?: (region: string, progress: InventoryProgress) => void;
}

export interface ExportResult {
  /** Where the rooms went: `output`, or `output.partial` when the export is incomplete. */
  path: string;
  rooms: number;
  complete: boolean;
  errors: AuditError[];
}

/** Checks, before any call, that the rooms file can be written where asked. */
export function checkOutputPath(output: string): void {
  const folder = dirname(resolve(output));
  let isFolder = false;
  try {
    isFolder = statSync(folder).isDirectory();
  } catch {
    // reported below
  }
  if (!isFolder) throw new ConfigError('--output', `folder ${folder} does not exist (for ${output})`);
  try {
    accessSync(folder, constants.W_OK);
  } catch {
    throw new ConfigError('--output', `folder ${folder} is not writable (for ${output})`);
  }
}

/**
 * Lists every room of each region and saves its GetRoom document, regions in parallel, each within
 * the API budget (the same inventory as a live audit). Documents are streamed to the file as they
 * arrive, so an export never holds every room. An incomplete export (API errors, --timeout,
 * Ctrl-C) is kept as `<output>.partial` and leaves `<output>` untouched: `audit --input` treats its
 * file as the whole inventory, so a partial one must never be read as complete by accident.
 */
export async function exportRooms(options: ExportOptions): Promise<ExportResult> {
  const tmp = `${options.output}.${process.pid}.tmp`;
  const file = createWriteStream(tmp);
  const written = new Promise<void>((done, fail) => {
    file.on('error', fail);
    file.on('finish', done);
  });
  // Awaited after the calls; until then a failed open (the folder turned read-only) must not crash.
  written.catch(() => undefined);
  let rooms = 0;
  file.write('{\n  "rooms": [\n');
  let inventories: RegionInventory[];
  try {
    inventories = await Promise.all(
      options.regions.map(async (region) => {
        const client = ivschatClient(region, options.connection);
        withApiBudget(client, options.apiBudgetTps);
        try {
          return await inventoryRegion({
            region,
            accountId: '',
            client,
            onRoom: (doc) => {
              file.write(`${rooms === 0 ? '' : ',\n'}    ${JSON.stringify(doc)}`);
              rooms++;
            },
            ...(options.signal ? { signal: options.signal } : {}),
            ...(options.onProgress
              ? { onProgress: (p: InventoryProgress) => options.onProgress?.(region, p) }
              : {}),
          });
        } finally {
          client.destroy();
        }
      }),
    );
  } catch (error) {
    // Unexpected (inventory turns AWS faults into report errors): leave no temporary file behind.
    file.destroy();
    await rm(tmp, { force: true });
    throw error;
  }
  file.end(`${rooms === 0 ? '' : '\n'}  ]\n}\n`);
  try {
    await written;
  } catch (error) {
    await rm(tmp, { force: true });
    throw new InputError(`cannot write ${options.output}: ${(error as Error).message}`, { cause: error });
  }
  const complete = inventories.every((i) => i.complete);
  const path = complete ? options.output : `${options.output}.partial`;
  await rename(tmp, path);
  return { path, rooms, complete, errors: inventories.flatMap((i) => i.errors) };
}
