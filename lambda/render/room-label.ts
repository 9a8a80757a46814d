/**
 * How a finding names its room in one line: its name, else its id, else its ARN (a room declared
 * in a template has neither name nor id yet, only its `cloudformation:…` identity), and its region
 * in parentheses when known. Not escaped: each renderer escapes it for its medium.
 */
import type { Finding } from '../core/types.js';

export function roomLabel(f: Pick<Finding, 'roomName' | 'roomId' | 'roomArn' | 'region'>): string {
  const name = roomName(f);
  return f.region ? `${name} (${f.region})` : name;
}

export function roomName(f: Pick<Finding, 'roomName' | 'roomId' | 'roomArn'>): string {
  return f.roomName || f.roomId || f.roomArn;
}
