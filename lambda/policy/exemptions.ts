/**
 * Which of a policy's exemptions holds for a room at a given time, and the note a finding carries
 * once it has expired. One rule for the audit's findings and for the checks on a policy's examples,
 * so the two always word a finding alike.
 */

import { parseRoomArn } from '../core/arn.js';
import type { Exemption } from '../core/types.js';
import type { CompiledPolicy } from './compile.js';

/** The exemption that decides a room's findings of one policy, if any, and whether it has expired. */
export interface ExemptionInForce {
  exemption?: Exemption;
  expired: boolean;
}

const NONE: ExemptionInForce = { expired: false };

/**
 * The exemption in force for a room named by its ARN, or by every name it has (`exemptionKeys`):
 * an exemption may name a stack's room by stack and logical id as well as by ARN.
 */
export function exemptionFor(
  compiled: CompiledPolicy,
  room: string | readonly string[],
  now: string,
): ExemptionInForce {
  const candidates =
    typeof room === 'string'
      ? compiled.exemptions.get(room)
      : room.flatMap((key) => compiled.exemptions.get(key) ?? []);
  const exemption = bestExemption(candidates, now);
  if (exemption === undefined) return NONE;
  return { exemption, expired: isExpired(exemption, now) };
}

/** The tags CloudFormation puts on every resource it creates. */
const STACK_TAG = 'aws:cloudformation:stack-name';
const LOGICAL_ID_TAG = 'aws:cloudformation:logical-id';

/** A declared room's identity whose stack part is a stack name (not a template's path). */
const DECLARED_STACK_ROOM = /^cloudformation:([A-Za-z][-A-Za-z0-9]{0,127})\/([A-Za-z0-9]{1,255})$/;

/** Where a room is: what the audit knows of its account and region (else parsed from its ARN). */
export interface RoomPlace {
  accountId?: string;
  region?: string;
}

/** `cloudformation:ACCOUNT/REGION/STACK/LOGICAL_ID`: a stack's room in one account and region. */
export function qualifiedStackKey(
  accountId: string,
  region: string,
  stack: string,
  logicalId: string,
): string {
  return `cloudformation:${accountId}/${region}/${stack}/${logicalId}`;
}

/**
 * The names a policy exemption may give a room:
 * - its ARN (for a declared room, `cloudformation:STACK/LOGICAL_ID` or `terraform:ADDRESS`, which
 *   stands in its place, matched as written);
 * - for a deployed room that a stack created, `cloudformation:ACCOUNT/REGION/STACK/LOGICAL_ID` from
 *   its aws:cloudformation tags, the account and region taken from its ARN, never from tags. Stack
 *   names are unique only within an account and region: the unqualified form would exempt the
 *   same-named stack of every account an organization-wide run audits (dev and prod alike);
 * - for a declared room whose account and region are known (a cdk.out stack with an env, or
 *   `--account` and `--region`), the same qualified form, so one entry covers the room in its
 *   template and once deployed.
 */
export function exemptionKeys(roomArn: string, tags: unknown, place: RoomPlace = {}): string[] {
  const declared = DECLARED_STACK_ROOM.exec(roomArn);
  if (declared) {
    const [, stack = '', logicalId = ''] = declared;
    return place.accountId && place.region
      ? [roomArn, qualifiedStackKey(place.accountId, place.region, stack, logicalId)]
      : [roomArn];
  }
  const t = tags !== null && typeof tags === 'object' ? (tags as Record<string, unknown>) : {};
  const stack = t[STACK_TAG];
  const logicalId = t[LOGICAL_ID_TAG];
  const arn = parseRoomArn(roomArn);
  return arn && typeof stack === 'string' && typeof logicalId === 'string'
    ? [roomArn, qualifiedStackKey(arn.accountId, arn.region, stack, logicalId)]
    : [roomArn];
}

/** A violation's message as findings show it: with the expiry noted when the exemption has lapsed. */
export function notedMessage(message: string, { exemption, expired }: ExemptionInForce): string {
  // The one place the expiry note is written: every output shows a finding's `message` as it is.
  return expired ? `${message} (exemption expired ${exemption?.expires})` : message;
}

/** An exemption holds through its `expires` day (UTC). */
function isExpired(exemption: Exemption, now: string): boolean {
  return exemption.expires !== undefined && now.slice(0, 10) > exemption.expires;
}

/**
 * Of several exemptions for one room, the one in force that lasts longest (no expiry beats any date);
 * when all have expired, the latest, so the finding names the most recent one.
 */
function bestExemption(candidates: readonly Exemption[] | undefined, now: string): Exemption | undefined {
  if (!candidates || candidates.length === 0) return undefined;
  const rank = (e: Exemption) => (isExpired(e, now) ? 0 : 1) * 2 + (e.expires === undefined ? 1 : 0);
  return candidates.reduce((best, e) =>
    rank(e) > rank(best) || (rank(e) === rank(best) && (e.expires ?? '') > (best.expires ?? '')) ? e : best,
  );
}
