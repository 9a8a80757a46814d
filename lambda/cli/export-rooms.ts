import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { type AwsConnection, ivschatClient } from '../aws/clients.js';
import { type InventoryProgress, inventoryRegion } from '../aws/inventory.js';
import { listLoggingConfigurations } from '../aws/logging-configurations.js';
import { withApiBudget } from '../aws/rate-limit.js';
import { joinLoggingConfigurations } from '../core/room-facts.js';
import type { AuditError, RegionInventory } from '../core/types.js';
import { OutputWriteError } from './paths.js';

export interface ExportOptions {
  regions: readonly string[];
  connection: AwsConnection;
  apiBudgetTps: number;
  /** The rooms file to write (`{ "rooms": [GetRoom documents], "regions": [...] }`, what `audit --input` reads). */
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

/**
 * Lists every room of each region and saves its GetRoom document with the joined facts
 * (`loggingConfigurations`), regions in parallel, each within the API budget (the same inventory as
 * a live audit), so an offline audit of the file is as complete as a live one. A region whose logging
 * configurations cannot be listed makes the export incomplete. Documents are streamed to the file as they
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
          const logging = await listLoggingConfigurations(client, region, options.signal);
          const inventory = await inventoryRegion({
            region,
            accountId: '',
            client,
            onRoom: (doc) => {
              // Without the listing the rooms are written as they are (a partial export): an audit of
              // the file then reports the policies reading the joined facts as not evaluated.
              const room = logging.configurations
                ? joinLoggingConfigurations(doc, logging.configurations)
                : doc;
              file.write(`${rooms === 0 ? '' : ',\n'}    ${JSON.stringify(room)}`);
              rooms++;
            },
            ...(options.signal ? { signal: options.signal } : {}),
            ...(options.onProgress
              ? { onProgress: (p: InventoryProgress) => options.onProgress?.(region, p) }
              : {}),
          });
          inventory.calls.listLoggingConfigurations = logging.calls;
          if (logging.error) {
            inventory.errors.unshift(logging.error);
            inventory.complete = false;
          }
          return inventory;
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
  const complete = inventories.every((i) => i.complete);
  // Only a complete export vouches for its regions: `audit --input` resolves the findings of a
  // declared region's rooms that are not in the file, even when the region has no room left.
  const regions = complete ? `,\n  "regions": ${JSON.stringify([...new Set(options.regions)])}` : '';
  file.end(`${rooms === 0 ? '' : '\n'}  ]${regions}\n}\n`);
  const path = complete ? options.output : `${options.output}.partial`;
  try {
    await written;
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new OutputWriteError(`--output: cannot write ${path}: ${reason}`, { cause: error });
  }
  return { path, rooms, complete, errors: inventories.flatMap((i) => i.errors) };
}
