/**
 * Delivery for an alert over several targets, as the state machine's aggregate step does it: findings
 * recorded in each target's own partition, and Security Hub importing each finding as its account
 * (through the member role unless it is the auditor's own account).
 * Shared by the aggregate step (one alert per run) and the change path (one alert per batch).
 */
import { FINDINGS_IMPORT_ACTIONS } from '../aws/session-policy.js';
import { type AuditTarget, targetCredentials } from '../aws/targets.js';
import { AuditorError } from '../core/errors.js';
import type { FindingRecord } from '../core/lifecycle.js';
import { getOrCreate } from '../core/maps.js';
import { alertSinks } from '../sinks/configured.js';
import type { AlertSink } from '../sinks/sink.js';
import type { StateStore } from '../state/store.js';
import { type EngineContext, targetState } from './context.js';

/** Routes each changed record to its target's partition (findings are kept per account × region). */
export function storeByTarget(ctx: EngineContext): StateStore {
  return {
    load: async () => new Map(),
    async save(changes, now) {
      const groups = new Map<string, FindingRecord[]>();
      for (const record of changes) {
        const key = `${record.finding.accountId}\n${record.finding.region}`;
        getOrCreate(groups, key, () => []).push(record);
      }
      for (const [key, records] of groups) {
        const [accountId = '', region = ''] = key.split('\n');
        await targetState(ctx, accountId, region).save(records, now);
      }
    },
  };
}

/** The configured sinks; Security Hub reaches another account through that account's member role. */
export function targetSinks(ctx: EngineContext, targets: readonly AuditTarget[]): AlertSink[] {
  const throughRole = new Map(targets.map((t) => [t.accountId, t]));
  const connectionOf = async (accountId: string) => {
    const target = throughRole.get(accountId);
    if (!target?.assumeRole) return ctx.connection;
    const access = await targetCredentials(target, {
      roleName: ctx.config.memberRoleName,
      connection: ctx.connection,
      // The session imports findings and nothing else (the role may also read and update rooms).
      sessionActions: FINDINGS_IMPORT_ACTIONS,
    });
    if (!access.ok) throw new AuditorError(access.error.message);
    return access.connection;
  };
  return alertSinks(
    ctx.config,
    { ...ctx.sinkDeps, ...(ctx.publisher ? { publisher: ctx.publisher } : {}) },
    ctx.connection,
    connectionOf,
  );
}
