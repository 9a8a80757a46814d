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
  const out = openRoomsFile(options.output);
  const { file } = out;
  let rooms = 0;
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
    await out.discard();
    throw error;
  }
  const complete = inventories.every((i) => i.complete);
  // Only a complete export vouches for its regions: `audit --input` resolves the findings of a
  // declared region's rooms that are not in the file, even when the region has no room left.
  const path = await out.finish(rooms, complete ? [...new Set(options.regions)] : undefined);
  return { path, rooms, complete, errors: inventories.flatMap((i) => i.errors) };
}

/**
 * A rooms file (`{ "rooms": [...], "regions": [...] }`) written to a temp file beside `output`, then
 * renamed: to `output` when it declares its regions (complete), else to `<output>.partial`. The
 * caller writes the opening `{"rooms": [` items itself through `file`.
 */
export function openRoomsFile(output: string) {
  const tmp = `${output}.${process.pid}.tmp`;
  const file = createWriteStream(tmp);
  const written = new Promise<void>((done, fail) => {
    file.on('error', fail);
    file.on('finish', done);
  });
  // Awaited at the end; until then a failed open (the folder turned read-only) must not crash.
  written.catch(() => undefined);
  file.write('{\n  "rooms": [\n');
  return {
    file,
    /** Leaves no temporary file behind (the export failed before it was finished). */
    async discard(): Promise<void> {
      file.destroy();
      await rm(tmp, { force: true });
    },
    /** Closes the file; `regions` only for a complete export (it vouches for them). Returns the path. */
    async finish(rooms: number, regions: readonly string[] | undefined): Promise<string> {
      const declared = regions ? `,\n  "regions": ${JSON.stringify(regions)}` : '';
      file.end(`${rooms === 0 ? '' : '\n'}  ]${declared}\n}\n`);
      const path = regions ? output : `${output}.partial`;
      try {
        await written;
        await rename(tmp, path);
      } catch (error) {
        await rm(tmp, { force: true });
        const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        throw new OutputWriteError(`--output: cannot write ${path}: ${reason}`, { cause: error });
      }
      return path;
    },
  };
}
