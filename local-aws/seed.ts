/** Seed data: the rooms and logging configurations an emulator starts with, from a JSON file or in code. */
import { readFile } from 'node:fs/promises';
import type { SeedRoom } from './ivschat.js';
import type { SeedLoggingConfiguration } from './ivschat-logging.js';

/** What a seed file holds. */
export interface SeedData {
  rooms?: SeedRoom[];
  loggingConfigurations?: SeedLoggingConfiguration[];
}

/** Seed data in either accepted shape (an array of rooms, or `{ rooms, loggingConfigurations }`). */
export function seedData(parsed: unknown, where: string): Required<SeedData> {
  if (Array.isArray(parsed)) return { rooms: parsed as SeedRoom[], loggingConfigurations: [] };
  const data = parsed as SeedData | null;
  const rooms = data?.rooms ?? [];
  const loggingConfigurations = data?.loggingConfigurations ?? [];
  if (!data || typeof data !== 'object' || !Array.isArray(rooms) || !Array.isArray(loggingConfigurations)) {
    throw new Error(
      `${where}: expected a JSON array of rooms or { "rooms": [...], "loggingConfigurations": [...] }`,
    );
  }
  return { rooms, loggingConfigurations };
}

/** A seed file's rooms and logging configurations. */
export async function loadSeed(path: string): Promise<Required<SeedData>> {
  return seedData(JSON.parse(await readFile(path, 'utf8')), path);
}

/** A seed file's rooms. */
export async function loadSeedFile(path: string): Promise<SeedRoom[]> {
  return (await loadSeed(path)).rooms;
}
