/**
 * A stack deployed in the emulator: the stack seeded (cloudformation.ts) and each of its template's
 * `AWS::IVSChat::Room` resources created as CloudFormation creates them, with the stack's tags and
 * CloudFormation's own `aws:cloudformation:stack-name`, `logical-id` and `stack-id` tags (which the
 * IVS Chat API refuses from callers: `aws:` keys are reserved). A property is a literal, or a `Ref`
 * to a parameter (its deployed value, else its default); a property left out gets the service's
 * default, as CreateRoom gives it. Enough for the emulated deploys the tests and the demo make.
 */
import type { RoomDocument } from '../lambda/core/types.js';
import type { SeedStack } from './cloudformation.js';
import type { Emulator } from './emulator.js';
import type { SeedRoom } from './ivschat.js';

const ROOM_TYPE = 'AWS::IVSChat::Room';

export interface DeployedStack {
  stackId: string;
  /** Logical id → the room as created. */
  rooms: Record<string, RoomDocument>;
}

/** Seeds `seed` (its `template` an object) and creates its rooms in its account and region. */
export function deployStack(emulator: Emulator, seed: SeedStack): DeployedStack {
  const [record] = emulator.deployment.cloudFormation.seed([seed]);
  if (!record) throw new Error(`stack ${seed.name} was not seeded`);
  const template = (typeof seed.template === 'string' ? JSON.parse(seed.template) : seed.template) as {
    Parameters?: Record<string, { Default?: unknown }>;
    Resources?: Record<string, { Type?: string; Properties?: Record<string, unknown> }>;
  };
  const value = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const ref = (v as { Ref?: unknown }).Ref;
    if (typeof ref !== 'string') return v;
    return seed.parameters?.[ref] ?? template.Parameters?.[ref]?.Default;
  };
  const rooms: Record<string, RoomDocument> = {};
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Type !== ROOM_TYPE) continue;
    const p = resource.Properties ?? {};
    const tags: Record<string, string> = { ...(seed.tags ?? {}) };
    for (const tag of (value(p.Tags) as { Key: string; Value: string }[] | undefined) ?? [])
      tags[tag.Key] = String(value(tag.Value));
    tags['aws:cloudformation:stack-name'] = record.name;
    tags['aws:cloudformation:logical-id'] = logicalId;
    tags['aws:cloudformation:stack-id'] = record.stackId;
    const room: SeedRoom = { accountId: record.accountId, region: record.region, tags };
    const name = value(p.Name);
    if (name !== undefined) room.name = String(name);
    const length = value(p.MaximumMessageLength);
    if (length !== undefined) room.maximumMessageLength = Number(length);
    const rate = value(p.MaximumMessageRatePerSecond);
    if (rate !== undefined) room.maximumMessageRatePerSecond = Number(rate);
    const handler = value(p.MessageReviewHandler) as { Uri?: string; FallbackResult?: string } | undefined;
    if (handler?.Uri)
      room.messageReviewHandler = { uri: handler.Uri, fallbackResult: handler.FallbackResult ?? 'ALLOW' };
    const [doc] = emulator.seedRooms(record.region, [room]);
    if (doc) rooms[logicalId] = doc;
  }
  return { stackId: record.stackId, rooms };
}
