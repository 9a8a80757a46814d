import { describe, expect, it } from 'vitest';
import { DOCTOR_NOW, HOME, seedDemoDeployment, seedDemoState } from '../../demo/doctor-demo.js';
import { readDeployment } from '../../lambda/cli/deployment.js';
import { CallBudget, DoctorClients } from '../../lambda/cli/doctor/calls.js';
import { callBudgetFor, runDoctor } from '../../lambda/cli/doctor/run.js';
import { startLocalAws } from '../../local-aws/index.js';
import { readmeBlock } from './readme-block.js';

interface Statement {
  Action: string | string[];
  Resource: string | string[];
}

describe("the README's IAM policy for doctor", () => {
  it('allows exactly the actions doctor calls, with every check switched on', async () => {
    const aws = await startLocalAws();
    const state = await seedDemoState(aws);
    try {
      seedDemoDeployment(aws, { eventBus: 'default', securityHub: true });
      // As the command does: the stack's outputs are read within the run's budget, through its clients.
      const connection = { endpoint: aws.endpoint };
      const budget = new CallBudget(1);
      const clients = new DoctorClients(budget, connection);
      const deployment = await readDeployment({
        stackName: 'IvsChatAuditor',
        region: HOME,
        clients: { cloudFormation: clients.get('cloudformation', HOME) },
      });
      clients.destroyAll();
      budget.extend(callBudgetFor(deployment));
      const report = await runDoctor({
        deployment,
        connection,
        stateEndpoint: state.endpoint,
        now: DOCTOR_NOW,
        budget,
      });
      expect(report.checks.every((c) => c.status === 'pass')).toBe(true);
      expect(report.calls.made).toBeLessThan(report.calls.budget);

      const policy = JSON.parse(readmeBlock('doctor-policy')) as { Statement: Statement[] };
      const allowed = policy.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
      expect([...new Set(budget.actions)].sort()).toEqual([...new Set(allowed)].sort());
      // Read-only: no action that creates, changes or deletes.
      expect(allowed.filter((a) => !/:(Describe|Get|List)|^sts:AssumeRole$/.test(a))).toEqual([]);
      const assume = policy.Statement.find((s) => s.Action === 'sts:AssumeRole');
      expect(assume?.Resource).toBe('arn:aws:iam::*:role/ivschat-auditor-member');
    } finally {
      await state.close();
      await aws.close();
    }
  });
});
