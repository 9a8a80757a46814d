import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type DemoDeployment,
  DOCTOR_NOW,
  HOME,
  injectDoctorFaults,
  runDoctorCli,
  seedDemoDeployment,
  seedDemoState,
} from '../../demo/doctor-demo.js';
import { cloudFormationClient } from '../../lambda/aws/clients.js';
import { readDeployment } from '../../lambda/cli/deployment.js';
import { CallBudget } from '../../lambda/cli/doctor/calls.js';
import { doctorExitCode, runDoctor } from '../../lambda/cli/doctor/run.js';
import type { LocalDynamo } from '../../local-aws/dynamodb.js';
import { ACCOUNT_ID, type LocalAws, startLocalAws } from '../../local-aws/index.js';
import { cli } from './run.js';

let aws: LocalAws;
let state: LocalDynamo;
let deployment: DemoDeployment;
beforeEach(async () => {
  aws = await startLocalAws();
  deployment = seedDemoDeployment(aws, { eventBus: 'default', securityHub: true });
  state = await seedDemoState(aws);
});
afterEach(async () => {
  await state.close();
  await aws.close();
});

/** Each check's status by id, from the JSON report. */
async function statuses(): Promise<{
  code: number;
  byId: Record<string, string>;
  report: Record<string, unknown>;
}> {
  const { code, stdout } = await runDoctorCli(aws, '--format', 'json');
  const report = JSON.parse(stdout) as { checks: { id: string; status: string }[] };
  return { code, byId: Object.fromEntries(report.checks.map((c) => [c.id, c.status])), report };
}

describe('ivschat-audit doctor on a healthy deployment', () => {
  it('passes every check and exits 0', async () => {
    const { code, stdout, stderr } = await runDoctorCli(aws);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).not.toMatch(/^(FAIL|WARN|\?\?)/m);
    expect(stdout).toMatch(
      /^ok {4}Scheduled audits\n.*\n {6}last finished: scheduled-0 SUCCEEDED, 21 min ago \(interval 60 min\)/m,
    );
    expect(stdout).toMatch(/0 problem\(s\), 0 not checked/);
  });

  it('reports JSON with every check: the stack, schedule, sinks, each region and each account × region', async () => {
    const { code, byId, report } = await statuses();
    expect(code).toBe(0);
    expect(report).toMatchObject({ version: 1, healthy: true, stackName: 'IvsChatAuditor', region: HOME });
    expect(Object.keys(byId)).toEqual(
      expect.arrayContaining([
        'stack',
        'schedule',
        'email',
        'slack',
        'dead-letter',
        'event-bus',
        'alarms',
        'trail:us-east-1',
        'trail:eu-west-1',
        'change-rule',
        'change-queue',
        'target:111111111111/eu-west-1',
        'securityhub:222222222222/us-east-1',
      ]),
    );
    expect(new Set(Object.values(byId))).toEqual(new Set(['pass']));
  });
});

describe('ivschat-audit doctor names each fault with its fix and exits 1', () => {
  it('finds the three injected faults: no trail in one region, an unconfirmed email, a member role not assumable', async () => {
    await injectDoctorFaults(aws, deployment);
    const { code, stdout } = await runDoctorCli(aws);
    expect(code).toBe(1);
    const failed = [...stdout.matchAll(/^FAIL {2}(.*)$/gm)].map((m) => m[1]);
    expect(failed).toEqual([
      'Email subscriptions',
      'CloudTrail logging IVS Chat writes in eu-west-1',
      'Audit target 222222222222 us-east-1',
      'Audit target 222222222222 eu-west-1',
    ]);
    // Security Hub in an account doctor may not enter is a console step to take, neither passed nor failed.
    expect([...stdout.matchAll(/^WARN {2}(.*)$/gm)].map((m) => m[1])).toEqual([
      'Security Hub in 222222222222 us-east-1',
      'Security Hub in 222222222222 eu-west-1',
    ]);
    expect(stdout).toContain('oncall@example.com: PendingConfirmation');
    expect(stdout).toMatch(/fix: each address must click "Confirm subscription"/);
    expect(stdout).toMatch(
      /no trail in this region.*\n {6}fix: create a multi-region trail .*--region eu-west-1/,
    );
    expect(stdout).toMatch(
      /cannot assume arn:aws:iam::222222222222:role\/ivschat-auditor-member: AccessDenied/,
    );
    expect(stdout).toMatch(
      /the auditor's last run scheduled-0 \(21 min ago\) failed \(1 run\(s\) in a row\)/,
    );
    expect(stdout).toMatch(/fix: deploy the IvsChatAuditorMember stack in us-east-1 of account 222222222222/);
    expect(stdout).not.toMatch(/memberTrustedPrincipals there/);
  });

  it('fails a firing alarm, a disabled change rule, a filled dead-letter queue and a schedule that stopped', async () => {
    const d = aws.deployment();
    d.cloudWatch.setAlarmState(
      ACCOUNT_ID,
      HOME,
      'IvsChatAuditor-DeadLetterAlarm',
      'ALARM',
      'Threshold Crossed: 1 datapoint [3.0]',
    );
    d.eventRules.seedRules([{ name: 'IvsChatAuditor-ChangeRule', region: HOME, state: 'DISABLED' }]);
    d.sqs.setCounts(ACCOUNT_ID, HOME, 'changes-dlq', { visible: 3 });
    d.stepFunctions.clear();
    d.stepFunctions.seedExecutions([
      {
        stateMachineArn: `arn:aws:states:${HOME}:${ACCOUNT_ID}:stateMachine:AuditEngine`,
        name: 'long-ago',
        status: 'SUCCEEDED',
        startDate: new Date(DOCTOR_NOW.getTime() - 5 * 3600_000).toISOString(),
        stopDate: new Date(DOCTOR_NOW.getTime() - 5 * 3600_000 + 60_000).toISOString(),
      },
    ]);
    const { code, byId } = await statuses();
    expect(code).toBe(1);
    expect(byId).toMatchObject({
      alarms: 'fail',
      'change-rule': 'fail',
      'change-queue': 'fail',
      schedule: 'fail',
    });
  });

  it('fails the last run when it failed, and warns when it is one interval late', async () => {
    const machine = `arn:aws:states:${HOME}:${ACCOUNT_ID}:stateMachine:AuditEngine`;
    const at = (minutesAgo: number) => new Date(DOCTOR_NOW.getTime() - minutesAgo * 60_000).toISOString();
    const d = aws.deployment().stepFunctions;
    d.clear();
    d.seedExecutions([
      { stateMachineArn: machine, name: 'late', status: 'SUCCEEDED', startDate: at(100), stopDate: at(95) },
    ]);
    expect((await statuses()).byId.schedule).toBe('warn');
    d.seedExecutions([
      { stateMachineArn: machine, name: 'broken', status: 'FAILED', startDate: at(10), stopDate: at(9) },
    ]);
    const { stdout } = await runDoctorCli(aws);
    expect(stdout).toMatch(
      /last finished: broken FAILED.*\n {6}fix: see why it failed: aws stepfunctions describe-execution/,
    );
  });

  it('passes a trail with advanced selectors on management events, fails one that keeps only reads', async () => {
    const d = aws.deployment().cloudTrail;
    d.remove(ACCOUNT_ID, 'eu-west-1');
    d.seed([
      {
        name: 'reads-only',
        homeRegion: 'eu-west-1',
        advancedEventSelectors: [
          {
            FieldSelectors: [
              { Field: 'eventCategory', Equals: ['Management'] },
              { Field: 'readOnly', Equals: ['true'] },
            ],
          },
        ],
      },
    ]);
    expect((await statuses()).byId['trail:eu-west-1']).toBe('fail');
    d.remove(ACCOUNT_ID, 'eu-west-1');
    d.seed([
      {
        name: 'writes',
        homeRegion: 'eu-west-1',
        organization: true,
        advancedEventSelectors: [{ FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] }],
      },
    ]);
    expect((await statuses()).byId['trail:eu-west-1']).toBe('pass');
  });
});

describe('what doctor prints is inert', () => {
  it('strips control characters from API answers (an alarm reason with an escape sequence and a newline)', async () => {
    aws
      .deployment()
      .cloudWatch.setAlarmState(
        ACCOUNT_ID,
        HOME,
        'IvsChatAuditor-ErrorsAlarm',
        'ALARM',
        '\u001b[2J\u001b]0;owned\u0007bad\nFAIL  forged line',
      );
    const { code, stdout } = await runDoctorCli(aws);
    expect(code).toBe(1);
    const controls = [...stdout].filter(
      (ch) => ch !== '\n' && ((ch.codePointAt(0) ?? 0) < 0x20 || ch === '\u007f'),
    );
    expect(controls).toEqual([]);
    expect(stdout).not.toMatch(/^FAIL {2}forged line/m);
  });
});

describe('doctor refuses bad input with exit 2 and says when it could not check with exit 3', () => {
  it.each([
    [['--region', 'moon-1'], /--region: "moon-1" is not a region name/],
    [
      ['--region', 'us-east-1', '--stack', '1bad name'],
      /--stack: "1bad name" is not a CloudFormation stack name/,
    ],
    [['--region', 'us-east-1', '--format', 'xml'], /argument 'xml' is invalid/],
    [['--region', 'us-east-1', '--endpoint', 'not a url'], /--endpoint: not a URL/],
  ])('doctor %j', async (args, message) => {
    const { code, stderr } = await cli('doctor', ...(args as string[]));
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  it("exits 3 naming the stack when there is none (is this the auditor's stack?)", async () => {
    const { code, stderr } = await runDoctorCli(aws, '--stack', 'SomethingElse');
    expect(code).toBe(3);
    expect(stderr).toMatch(/error: no stack SomethingElse in us-east-1: is this the auditor's stack\?/);
  });

  it('exits 3 saying what it could not reach when CloudFormation does not answer', async () => {
    const { code, stderr } = await cli('doctor', '--region', HOME, '--endpoint', 'http://127.0.0.1:1');
    expect(code).toBe(3);
    expect(stderr).toMatch(
      /error: could not check: cannot read stack IvsChatAuditor in us-east-1: .*ECONNREFUSED/,
    );
  });

  it('exits 3 listing the checks it could not make when its call budget runs out', async () => {
    const cloudFormation = cloudFormationClient(HOME, { endpoint: aws.endpoint });
    const read = await readDeployment({
      stackName: 'IvsChatAuditor',
      region: HOME,
      clients: { cloudFormation },
    });
    cloudFormation.destroy();
    const report = await runDoctor({
      deployment: read,
      connection: { endpoint: aws.endpoint },
      now: DOCTOR_NOW,
      budget: new CallBudget(3),
    });
    expect(doctorExitCode(report)).toBe(3);
    expect(report.calls).toEqual({ made: 3, budget: 3 });
    const unknown = report.checks.filter((c) => c.status === 'unknown');
    expect(unknown.length).toBeGreaterThan(5);
    expect(unknown[0]?.evidence[0]).toMatch(
      /could not check: CallBudgetExhausted: the run's budget of 3 calls is used up/,
    );
    expect(report.checks.some((c) => c.status === 'fail')).toBe(false);
  });
});

/** The deployment's outputs, read as the command reads them. */
async function readDemoDeployment() {
  const cloudFormation = cloudFormationClient(HOME, { endpoint: aws.endpoint });
  try {
    return await readDeployment({ stackName: 'IvsChatAuditor', region: HOME, clients: { cloudFormation } });
  } finally {
    cloudFormation.destroy();
  }
}

/** A budget that does not grow when the organization's accounts are listed: it runs out where told. */
class FixedBudget extends CallBudget {
  override extend(): void {}
}

const runOn = async (budget?: number) =>
  runDoctor({
    deployment: await readDemoDeployment(),
    connection: { endpoint: aws.endpoint },
    stateEndpoint: state.endpoint,
    now: DOCTOR_NOW,
    ...(budget !== undefined ? { budget: new FixedBudget(budget) } : {}),
  });

describe('could not check is not a failure: exit 3, never FAIL', () => {
  it('a budget that runs out inside the target checks leaves them unknown, not failed', async () => {
    const full = await runOn();
    expect(doctorExitCode(full)).toBe(0);
    const firstTarget = full.checks.findIndex((c) => c.id.startsWith('target:'));
    expect(firstTarget).toBeGreaterThan(0);
    // Cut short at several points among the targets (AssumeRole, GetItem, ListRooms, rules, hubs).
    for (const short of [1, 3, 6, 9, 12]) {
      const report = await runOn(full.calls.made - short);
      const failed = report.checks.filter((c) => c.status === 'fail');
      expect(failed.map((c) => `${c.id}: ${c.evidence.join(' / ')}`)).toEqual([]);
      expect(doctorExitCode(report)).toBe(3);
      expect(report.checks.some((c) => /^(target|securityhub):/.test(c.id) && c.status === 'unknown')).toBe(
        true,
      );
    }
  });

  it("STS and IVS Chat answering 5xx: no FAIL; the auditor's own record still speaks for the members", async () => {
    aws.setFaults({ serverErrorRate: 1, serverErrorServices: ['sts', 'ivschat'] });
    const budget = new CallBudget(1000);
    const report = await runDoctor({
      deployment: await readDemoDeployment(),
      connection: { endpoint: aws.endpoint },
      stateEndpoint: state.endpoint,
      now: DOCTOR_NOW,
      budget,
    });
    // Each SDK attempt is a call spent: two member accounts' AssumeRole, every attempt of each.
    const assumes = budget.actions.filter((a) => a === 'sts:AssumeRole').length;
    expect(assumes).toBeGreaterThan(2);
    expect(assumes % 2).toBe(0);
    expect(report.checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(doctorExitCode(report)).toBe(3);
    // The auditor's own account: ListRooms did not answer, so it could not be checked.
    expect(report.checks.find((c) => c.id === `target:${ACCOUNT_ID}/us-east-1`)?.status).toBe('unknown');
    const stage = report.checks.find((c) => c.id === 'target:222222222222/us-east-1');
    expect(stage?.status).toBe('pass');
    expect(stage?.evidence.join('\n')).toMatch(/could not ask STS for the member role: .*\n.*audited it/);
  });
});

describe("a member role that does not trust the operator (remediation=apply): the auditor's record decides", () => {
  it("passes on the auditor's recent successful run, and gives no fix the settings refuse", async () => {
    aws.setFaults({ assumeRoleDeniedAccounts: ['222222222222'] });
    const { code, stdout } = await runDoctorCli(aws);
    expect(stdout).not.toMatch(/^(FAIL|\?\?)/m);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^ok {4}Audit target 222222222222 eu-west-1\n {6}cannot assume .*AccessDenied.*\n {6}the auditor's last run scheduled-0 \(21 min ago\) audited it/m,
    );
    expect(stdout).not.toMatch(/memberTrustedPrincipals there/);
  });

  it('fails a target whose stored last run failed, even where doctor itself can read it', async () => {
    await injectDoctorFaults(aws, deployment);
    aws.setFaults({});
    const { code, byId } = await statuses();
    expect(code).toBe(1);
    expect(byId['target:222222222222/us-east-1']).toBe('fail');
    expect(byId['target:111111111111/us-east-1']).toBe('pass');
  });

  it('is could-not-check when the state table holds no run of the target yet', async () => {
    await state.close();
    state = await (await import('../../local-aws/dynamodb.js')).startLocalDynamo({
      tableName: 'IvsChatAuditor-State',
    });
    aws.setFaults({ assumeRoleDeniedAccounts: ['222222222222'] });
    const report = await runOn();
    const stage = report.checks.find((c) => c.id === 'target:222222222222/us-east-1');
    expect(stage?.status).toBe('unknown');
    expect(stage?.evidence.join('\n')).toMatch(/holds no scheduled run of this target yet/);
    expect(doctorExitCode(report)).toBe(3);
  });
});

describe('the trail check in an organization', () => {
  it("warns when the auditor's trail is not an organization trail: no change arrives from the members", async () => {
    const d = aws.deployment().cloudTrail;
    d.remove(ACCOUNT_ID, 'us-east-1');
    d.seed([{ name: 'own-only', homeRegion: 'us-east-1' }]);
    const report = await runOn();
    const trail = report.checks.find((c) => c.id === 'trail:us-east-1');
    expect(trail?.status).toBe('warn');
    expect(trail?.fix).toMatch(
      /an organization trail .*--is-organization-trail.*or a trail logging management events in each member account/,
    );
  });
});

describe('the call budget of an organization', () => {
  it('grows with the accounts listed: 300 accounts (past the old fixed room for 200) do not run it out', async () => {
    aws.addAccounts(Array.from({ length: 300 }, (_, i) => String(300000000000 + i)));
    const report = await runOn();
    expect(report.checks.filter((c) => c.status === 'unknown')).toEqual([]);
    expect(report.checks.filter((c) => c.id.startsWith('target:')).length).toBe(2 * 303);
    expect(report.calls.made).toBeLessThan(report.calls.budget);
  }, 60_000);
});
