import { describe, expect, it } from 'vitest';
import { REQUIRED_STACK_OUTPUTS, STACK_OUTPUT } from '../../lambda/settings/stack-outputs.js';
import { synthApp } from './synth.js';

// doctor and selftest find the deployed parts by these outputs (lambda/cli/deployment.ts): a stack
// that lost one would make them report "is this the auditor's stack?" on a real auditor.
const outputsOf = (context: Record<string, unknown>) =>
  synthApp(context).template.toJSON().Outputs as Record<string, { Value: unknown }>;

describe("the auditor stack's outputs", () => {
  it('has every output readDeployment requires, and the change outputs with change events on', () => {
    const outputs = outputsOf({});
    expect(REQUIRED_STACK_OUTPUTS.filter((key) => !(key in outputs))).toEqual([]);
    expect(outputs[STACK_OUTPUT.changeQueueUrl]).toBeDefined();
    expect(outputs[STACK_OUTPUT.changeRuleName]).toBeDefined();
    expect(outputs[STACK_OUTPUT.eventBus]).toBeUndefined();
    expect(outputs[STACK_OUTPUT.alertSinks]?.Value).toBe('none');
    expect(outputs[STACK_OUTPUT.auditIntervalSeconds]?.Value).toBe('3600');
  });

  it('says what was configured: regions, accounts, sinks, the bus; no change outputs without change events', () => {
    const outputs = outputsOf({
      regions: 'us-east-1,eu-west-1',
      accounts: '111122223333,444455556666',
      alertEmails: 'a@example.com,b@example.com',
      securityHub: true,
      eventBus: 'default',
      changeEvents: false,
      schedule: 'rate(6 hours)',
    });
    expect(outputs[STACK_OUTPUT.auditedRegions]?.Value).toBe('us-east-1,eu-west-1');
    expect(outputs[STACK_OUTPUT.auditedAccounts]?.Value).toBe('111122223333,444455556666');
    expect(outputs[STACK_OUTPUT.alertSinks]?.Value).toBe('email,securityhub,eventbridge');
    expect(outputs[STACK_OUTPUT.alertEmailCount]?.Value).toBe('2');
    expect(outputs[STACK_OUTPUT.eventBus]?.Value).toBe('default');
    expect(outputs[STACK_OUTPUT.auditIntervalSeconds]?.Value).toBe('21600');
    expect(outputs[STACK_OUTPUT.changeQueueUrl]).toBeUndefined();
    expect(outputs[STACK_OUTPUT.changeDeadLetterQueueUrl]).toBeUndefined();
  });
});
