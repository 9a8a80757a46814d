import type { Finding } from '../core/types.js';
import type { Alert } from './alert.js';

/** A change in a finding's life that machine sinks (Security Hub, EventBridge) record. */
export type TransitionKind = 'new' | 'resolved' | 'exempted' | 'exemption-expired';

export interface Transition {
  kind: TransitionKind;
  finding: Finding;
}

/**
 * The alert's transitions, once per finding: new (or back after its exemption expired), resolved,
 * exempted. Reminders are not transitions: they are for people, and only SNS sends them.
 */
export function transitionsOf(alert: Alert): Transition[] {
  const out: Transition[] = [];
  const seen = new Set<string>();
  const add = (kind: TransitionKind, finding: Finding) => {
    if (seen.has(finding.fingerprint)) return;
    seen.add(finding.fingerprint);
    out.push({ kind, finding });
  };
  for (const f of alert.newFindings) add(f.exemption?.expired ? 'exemption-expired' : 'new', f);
  for (const f of alert.resolvedFindings) add('resolved', f);
  for (const f of alert.exemptedFindings ?? []) add('exempted', f);
  return out;
}
