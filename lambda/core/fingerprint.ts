import { createHash } from 'node:crypto';

/**
 * Stable identity of a finding: the policy, the room and the JSON pointer — never the value,
 * so a length that moves from 500 to 300 stays the same open finding.
 */
export function fingerprintOf(policyId: string, roomArn: string, path: string): string {
  return createHash('sha256').update(`${policyId}\n${roomArn}\n${path}`).digest('hex').slice(0, 32);
}
