import { getOrCreate } from './maps.js';

/**
 * Stable identity of a finding: the policy, the room and the JSON pointer — never the value,
 * so a length that moves from 500 to 300 stays the same open finding.
 *
 * Two independent 53-bit string hashes (cyrb53), one of the room ARN and one of policy + pointer,
 * side by side: 106 bits, no realistic collision across millions of findings. Both halves are
 * memoised (one evaluation checks many policies of one room, and pointers repeat), which keeps this
 * off the evaluation hot path. Not a security boundary: nothing trusts it but our own state.
 */
export function fingerprintOf(policyId: string, roomArn: string, path: string): string {
  if (roomArn !== lastRoom.arn) {
    lastRoom.arn = roomArn;
    lastRoom.hex = hex53(roomArn, ROOM_SEED);
  }
  const byPath = getOrCreate(ruleHexes, policyId, () => new Map<string, string>());
  let ruleHex = byPath.get(path);
  if (ruleHex === undefined) {
    ruleHex = hex53(`${policyId}\n${path}`, RULE_SEED);
    if (byPath.size < 1_000) byPath.set(path, ruleHex);
  }
  return lastRoom.hex + ruleHex;
}

const ROOM_SEED = 0x1f2e3d4c;
const RULE_SEED = 0x5a6b7c8d;
/** Number#toString(16) on a 53-bit double is slow enough to dominate evaluation: use a table. */
const BYTE_HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const hex = (byte: number) => BYTE_HEX[byte] as string;

function hex53(text: string, seed: number): string {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  // 21 bits of h2, then 32 of h1: 14 hex digits.
  return (
    hex((h2 >>> 16) & 0x1f) +
    hex((h2 >>> 8) & 0xff) +
    hex(h2 & 0xff) +
    hex(h1 >>> 24) +
    hex((h1 >>> 16) & 0xff) +
    hex((h1 >>> 8) & 0xff) +
    hex(h1 & 0xff)
  );
}

/** policy id → JSON pointer → hash (policies are few, their pointers fewer still). */
const ruleHexes = new Map<string, Map<string, string>>();
const lastRoom = { arn: '', hex: hex53('', ROOM_SEED) };
