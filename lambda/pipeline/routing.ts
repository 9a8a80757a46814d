/**
 * Delivery for an alert over several targets, as the state machine's aggregate step does it: findings
 * recorded in each target's own partition, and Security Hub importing each finding as its account
 * (through the member role unless it is the auditor's own account).
 * Shared by the aggregate step (one alert per run) and the change path (one alert per batch).
 */

import type { AwsConnection } from '../aws/clients.js';
import { FINDINGS_IMPORT_ACTIONS } from '../aws/session-policy.js';
import { type AuditTarget, targetCredentials } from '../aws/targets.js';
import { AuditorError } from '../core/errors.js';
import { getOrCreate } from '../core/maps.js';
import type { Target } from '../core/types.js';
import { alertSinks, type SinkDeps, type SinkSettings } from '../sinks/configured.js';
import type { AlertSink } from '../sinks/sink.js';
import { PartitionedStore } from '../state/partitioned-store.js';
import type { StateStore } from '../state/store.js';
import type { TargetStateStore } from '../state/target-store.js';

/**
 * Routes each changed record to its target's partition (findings are kept per account × region).
 * The change path and the scheduled runs write these partitions concurrently: delivery goes through
 * the partitions' conditional writes (`shared`, see lambda/state/target-store.ts).
 */
export function storeByTarget(targetState: (target: Target) => TargetStateStore): StateStore {
  const stores = new Map<string, TargetStateStore>();
  const partitions = new PartitionedStore((record) => {
    const { accountId, region } = record.finding;
    return getOrCreate(stores, `${accountId}\n${region}`, () => targetState({ accountId, region }));
  });
  return {
    load: async () => new Map(),
    fetch: async () => new Map(),
    save: (changes, now) => partitions.save(changes, now),
    shared: partitions.shared,
  };
}

/** What the sinks of a run over several targets are built from. */
export interface TargetSinkOptions {
  settings: SinkSettings & { memberRoleName: string };
  deps: SinkDeps;
  /** The function's own credentials. */
  connection: AwsConnection;
}

/** The configured sinks; Security Hub reaches another account through that account's member role. */
export function targetSinks(options: TargetSinkOptions, targets: readonly AuditTarget[]): AlertSink[] {
  const { settings, connection } = options;
  const throughRole = new Map(targets.map((t) => [t.accountId, t]));
  const connectionOf = async (accountId: string) => {
    const target = throughRole.get(accountId);
    if (!target?.assumeRole) return connection;
    const access = await targetCredentials(target, {
      roleName: settings.memberRoleName,
      connection,
      // The session imports findings and nothing else (the role may also read and update rooms).
      sessionActions: FINDINGS_IMPORT_ACTIONS,
    });
    if (!access.ok) throw new AuditorError(access.error.message);
    return access.connection;
  };
  return alertSinks(settings, options.deps, connection, connectionOf);
}
