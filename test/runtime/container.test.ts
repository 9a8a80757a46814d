/**
 * The container: set up once however many invocations and modes use it, one deadline measured one
 * way, and the state table required only by the modes that keep state there.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../lambda/core/errors.js';
import { createContainer } from '../../lambda/runtime/container.js';
import { DEADLINE_MARGIN_MS, lambdaDeadline } from '../../lambda/runtime/deadline.js';
import { ACCOUNT } from '../fixtures.js';

process.env.POWERTOOLS_METRICS_DISABLED = 'true';

const TOPIC = `arn:aws:sns:us-east-1:${ACCOUNT}:ivschat-alerts`;
const ENV = { AUDIT_REGIONS: 'us-east-1', ALERT_TOPIC_ARN: TOPIC, API_BUDGET_TPS: '5' };

function containerWith(env: Record<string, string>, logger = quietLogger()) {
  return createContainer({
    env,
    logger,
    metrics: new Metrics({ namespace: 'Test', serviceName: 'ivschat-auditor', logger }),
    dynamoClient: new DynamoDBClient({ region: 'us-east-1' }),
  });
}

function quietLogger() {
  return new Logger({ serviceName: 'ivschat-auditor', logLevel: 'SILENT' });
}

describe('createContainer', () => {
  it('reads the configuration and compiles the policies once, for every invocation and mode', () => {
    const logger = quietLogger();
    const info = vi.spyOn(logger, 'info');
    const container = containerWith({ ...ENV, STATE_TABLE_NAME: 'state' }, logger);
    const first = container.invocation();
    const second = container.stateful({ getRemainingTimeInMillis: () => 600_000 });
    expect(second.config).toBe(first.config);
    expect(second.policies).toBe(first.policies);
    expect(second.stores).toBe(first.stores);
    expect(info.mock.calls.filter(([message]) => message === 'configured')).toHaveLength(1);
  });

  it('reads nothing until the first invocation, so a bad setting fails the invocation, not the import', () => {
    const container = containerWith({ ...ENV, ALERT_TOPIC_ARN: '' });
    expect(() => container.invocation()).toThrow(ConfigError);
  });

  it('gives an invocation a deadline only when Lambda gave it a context', () => {
    const container = containerWith(ENV);
    expect(container.invocation().deadline).toBeUndefined();
    const deadline = container.invocation({
      getRemainingTimeInMillis: () => DEADLINE_MARGIN_MS + 5,
    }).deadline;
    expect(deadline?.timeLeftMs()).toBe(5);
  });

  it('refuses the stateful modes without a state table, naming the variable', () => {
    const container = containerWith(ENV);
    expect(container.invocation().stores).toBeUndefined();
    expect(() => container.stateful()).toThrow(/^STATE_TABLE_NAME: is not set; the state machine steps/);
  });
});

describe('lambdaDeadline', () => {
  it('is reached once less than the margin is left, not at the margin itself', () => {
    let remaining = DEADLINE_MARGIN_MS;
    const deadline = lambdaDeadline({ getRemainingTimeInMillis: () => remaining });
    expect(deadline.timeLeftMs()).toBe(0);
    expect(deadline.reached()).toBe(false);
    remaining -= 1;
    expect(deadline.timeLeftMs()).toBe(-1);
    expect(deadline.reached()).toBe(true);
  });

  it('aborts its signal when the margin begins, at once when it already has', async () => {
    expect(lambdaDeadline({ getRemainingTimeInMillis: () => 60_000 }, 2_000).signal().aborted).toBe(false);
    const late = lambdaDeadline({ getRemainingTimeInMillis: () => 1_000 }, 2_000).signal();
    await new Promise((aborted) => late.addEventListener('abort', aborted));
    expect(late.aborted).toBe(true);
  });
});
