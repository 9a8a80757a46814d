import { describe, expect, it } from 'vitest';
import { Evaluator } from '../../lambda/audit/evaluate.js';
import { emptyInventory } from '../../lambda/core/empty-inventory.js';
import type { RegionInventory } from '../../lambda/core/types.js';
import {
  type EvaluatedRoom,
  evaluateRooms,
  RegionEvaluation,
} from '../../lambda/inventory/room-evaluation.js';
import { loadPolicyDir } from '../../lambda/policy/load-dir.js';
import { ACCOUNT, compliantRoom } from '../fixtures.js';

const policies = loadPolicyDir().policies.filter((p) =>
  ['logging-active', 'message-length-max'].includes(p.policy.id),
);
const NOW = '2026-11-26T10:00:00.000Z';
const LOG = `arn:aws:ivschat:us-east-1:${ACCOUNT}:logging-configuration/LcFailed0001`;
const target = { accountId: ACCOUNT, region: 'us-east-1' };

const inventory = (): RegionInventory => emptyInventory(target.accountId, target.region);

describe('Class: RegionEvaluation', () => {
  it('joins the logging configurations, evaluates once, and hands each collector the evaluation', () => {
    const collected: EvaluatedRoom[] = [];
    const evaluation = new RegionEvaluation(target, {
      evaluator: new Evaluator(policies),
      now: NOW,
      configurations: new Map([[LOG, { arn: LOG, state: 'CREATE_FAILED' }]]),
      collectors: [{ collect: (room) => collected.push(room) }],
    });
    const room = compliantRoom({ loggingConfigurationIdentifiers: [LOG], maximumMessageLength: 500 });

    evaluation.add(room);
    const inv = inventory();
    evaluation.writeTo(inv);

    expect(collected).toHaveLength(1);
    expect(collected[0]?.doc.loggingConfigurations).toEqual([{ arn: LOG, state: 'CREATE_FAILED' }]);
    expect(collected[0]?.evaluation.findings.map((f) => f.policyId).sort()).toEqual([
      'logging-active',
      'message-length-max',
    ]);
    expect(inv.evaluation?.findings).toEqual(collected[0]?.evaluation.findings);
    expect(inv.notEvaluated).toBeUndefined();
  });

  it('records the policies a document without the joined facts could not be evaluated on', () => {
    const inv = inventory();
    // A plain GetRoom document: no loggingConfigurations joined.
    const { loggingConfigurations: _, ...room } = compliantRoom({ maximumMessageLength: 500 });

    evaluateRooms(inv, [room], { evaluator: new Evaluator(policies), now: NOW });

    expect(inv.evaluation?.findings.map((f) => f.policyId)).toEqual(['message-length-max']);
    expect(inv.notEvaluated).toEqual(new Map([['logging-active', [room.arn]]]));
  });
});
