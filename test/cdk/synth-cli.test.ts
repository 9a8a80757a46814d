import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const PROJECT_FILES = [
  'bin',
  'lib',
  'lambda',
  'policies',
  'cdk.json',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
];

/** `npx cdk synth` in a copy of the project: the real CLI path, offline and without credentials. */
async function cdkSynth(
  dir: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_EC2_METADATA_DISABLED: 'true',
    CDK_DISABLE_VERSION_CHECK: 'true',
  };
  for (const key of ['AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'])
    delete env[key];
  try {
    const { stdout, stderr } = await run('npx', ['cdk', 'synth', '--quiet', '--no-notices', ...args], {
      cwd: dir,
      env,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('cdk synth (CLI)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ivschat-cdk-cli-'));
    for (const file of PROJECT_FILES) cpSync(join(ROOT, file), join(dir, file), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('synthesizes offline with two alert emails', async () => {
    const result = await cdkSynth(dir, ['-c', 'alertEmails=a@example.com,b@example.com']);
    expect(result.stderr).not.toMatch(/ERROR/);
    expect(result.code).toBe(0);
    const template = JSON.parse(readFileSync(join(dir, 'cdk.out', 'IvsChatAuditor.template.json'), 'utf8'));
    const emails = Object.values<{ Type: string; Properties: { Protocol: string } }>(
      template.Resources,
    ).filter((r) => r.Type === 'AWS::SNS::Subscription' && r.Properties.Protocol === 'email');
    expect(emails).toHaveLength(2);
  }, 180_000);

  it('synthesizes the member stack beside the auditor when accounts are listed', async () => {
    // Selecting the member stack bundles only it; the assembly still holds both templates.
    const result = await cdkSynth(dir, [
      'IvsChatAuditorMember',
      '-c',
      'accounts=111111111111,222222222222',
      '-c',
      'regions=us-east-1,eu-west-1',
      // What a member account deploys with: the forwarding needs a bus other than its own.
      '-c',
      'auditorAccountId=123456789012',
    ]);
    expect(result.stderr).not.toMatch(/ERROR/);
    expect(result.code).toBe(0);
    const read = (stack: string) =>
      JSON.parse(readFileSync(join(dir, 'cdk.out', `${stack}.template.json`), 'utf8')) as {
        Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
      };
    const member = Object.values(read('IvsChatAuditorMember').Resources);
    const memberRoles = member.filter((r) => r.Type === 'AWS::IAM::Role' && r.Properties.RoleName);
    expect(memberRoles.map((r) => r.Properties.RoleName)).toEqual(['ivschat-auditor-member']);
    // The forwarding of IVS Chat change events to the auditor's default bus.
    const forwarding = member.filter((r) => r.Type === 'AWS::Events::Rule');
    expect(forwarding).toHaveLength(1);
    expect(forwarding[0]?.Properties.EventPattern).toMatchObject({
      source: ['aws.ivschat'],
      'detail-type': ['AWS API Call via CloudTrail'],
      detail: { eventSource: ['ivschat.amazonaws.com'] },
    });
    expect(JSON.stringify(forwarding[0]?.Properties.Targets)).toContain(':123456789012:event-bus/default');
    const auditor = read('IvsChatAuditor').Resources;
    expect(JSON.stringify(auditor)).toContain(':iam::222222222222:role/ivschat-auditor-member');
    // The engine: a Standard state machine, started by the schedule.
    const machines = Object.entries(auditor).filter(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine');
    expect(machines.map(([, r]) => r.Properties.StateMachineType)).toEqual(['STANDARD']);
    const rules = Object.values(auditor).filter((r) => r.Type === 'AWS::Events::Rule');
    const scheduled = rules.filter((r) => r.Properties.ScheduleExpression);
    expect(scheduled.map((r) => (r.Properties.Targets as Array<{ Arn: unknown }>)[0]?.Arn)).toEqual([
      { Ref: machines[0]?.[0] },
    ]);
    // The change path: its rule (to the change queue), the queue and its dead-letter queue, the alarms.
    const changeRules = rules.filter((r) => r.Properties.EventPattern);
    expect(changeRules).toHaveLength(1);
    const queues = Object.entries(auditor).filter(([, r]) => r.Type === 'AWS::SQS::Queue');
    expect(queues.map(([id]) => id).filter((id) => id.includes('Changes'))).toHaveLength(2);
    expect(Object.values(auditor).filter((r) => r.Type === 'AWS::Events::EventBusPolicy')).toHaveLength(1);
  }, 180_000);

  it("builds the member stack for the auditor account's other regions as docs/deploy.md says", async () => {
    // docs/deploy.md, Change-triggered audits: the auditor's own account deploys the member stack in its
    // other regions with only auditorRegion (its own account is the auditor's: no auditorAccountId).
    const result = await cdkSynth(dir, ['IvsChatAuditorMember', '-c', 'auditorRegion=us-east-1']);
    expect(result.stderr).not.toMatch(/No stacks match/);
    expect(result.code).toBe(0);
    const template = JSON.parse(
      readFileSync(join(dir, 'cdk.out', 'IvsChatAuditorMember.template.json'), 'utf8'),
    ) as {
      Resources: Record<string, { Type: string; Condition?: string; Properties: Record<string, unknown> }>;
    };
    const resources = Object.values(template.Resources);
    // The global role only where the auditor runs; the forwarding to the auditor region's bus elsewhere.
    const role = resources.find((r) => r.Type === 'AWS::IAM::Role' && r.Properties.RoleName);
    expect(role?.Condition).toBe('InAuditorRegion');
    const forwarding = resources.filter((r) => r.Type === 'AWS::Events::Rule');
    expect(forwarding).toHaveLength(1);
    expect(JSON.stringify(forwarding[0]?.Properties.Targets)).toContain('events:us-east-1:');
  }, 180_000);

  it('fails naming the key when context is invalid', async () => {
    const result = await cdkSynth(dir, ['-c', 'apiBudgetTps=lots', '-c', 'schedule=hourly']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('apiBudgetTps:');
    expect(result.stderr).toContain('schedule:');
  }, 180_000);

  it('fails on a misspelt key, naming the setting it meant, instead of ignoring it', async () => {
    const result = await cdkSynth(dir, ['-c', 'remediaton=apply', '-c', 'alertEmail=ops@example.com']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(
      'remediaton: not an ivschat-auditor setting (did you mean "remediation"?)',
    );
    expect(result.stderr).toContain(
      'alertEmail: not an ivschat-auditor setting (did you mean "alertEmails"?)',
    );
  }, 180_000);

  it('fails naming the policy file when a policy is broken', async () => {
    const file = join(dir, 'policies', 'message-length-max.json');
    const original = readFileSync(file, 'utf8');
    const policy = JSON.parse(original);
    policy.severity = 'urgent';
    writeFileSync(file, JSON.stringify(policy, null, 2));
    try {
      const result = await cdkSynth(dir, []);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('policies/message-length-max.json');
      expect(result.stderr).toContain('/severity');
    } finally {
      writeFileSync(file, original);
    }
  }, 180_000);
});
