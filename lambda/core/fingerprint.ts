/**
 * Stable identity of a finding: the policy, the room and the JSON pointer — never the value,
 * so a length that moves from 500 to 300 stays the same open finding.
 *
 * Two independent 53-bit string hashes (cyrb53 with different seeds) give 106 bits: no realistic
 * collision across millions of findings, and ~10× cheaper than a SHA-256 per finding (this runs once
 * per violation on the evaluation hot path). Not a security boundary: nothing trusts it but our state.
 */
export function fingerprintOf(policyId: string, roomArn: string, path: string): string {
  const key = `${policyId}\n${roomArn}\n${path}`;
  return hex53(key, 0x1f2e3d4c) + hex53(key, 0x5a6b7c8d);
}

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
  const value = 4294967296 * (2097151 & h2) + (h1 >>> 0);
  return value.toString(16).padStart(14, '0');
}
