/**
 * What a finding's status says about the room today, in one place for every output and store.
 * A finding is failing while it is `new` or `open` (an expired exemption makes it so again); it is
 * unresolved while it is failing or `exempt`, that is, anything but `resolved`.
 */

import type { FindingStatus } from '../core/types.js';
import type { FindingRecord } from './lifecycle.js';

/** Breaks its policy now and nothing excuses it: what exit codes, counts and alert texts report. */
export function isFailing(finding: { status: FindingStatus }): boolean {
  return finding.status === 'new' || finding.status === 'open';
}

/** Still in force, failing or exempt: what a stored record or a SARIF result keeps showing. */
export function isUnresolved(finding: { status: FindingStatus | FindingRecord['status'] }): boolean {
  return finding.status !== 'resolved';
}
