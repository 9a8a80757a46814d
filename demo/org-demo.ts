/**
 * `npm run demo -- --org`: the org-scale engine offline. Three accounts × two regions, one account
 * whose member role cannot be assumed, run through the state machine `cdk synth` produces
 * (interpreted by aws-local-stepfunctions), every task answered by the real audit handler against
 * the emulator and dynalite. Prints the one aggregated alert with its "accounts not audited" part.
 */
import type { RunAggregate } from '../lambda/modes/state-machine/aggregate.js';
import type { SeedRoom } from '../local-aws/index.js';
import type { LocalRunResult } from '../local-aws/step-functions.js';
import { AUDITOR_ACCOUNT, type LocalOrg, orgLoggingConfigArn, startLocalOrg } from './local-org.js';
import { heading, out, plural, seconds, showAlerts, subheading } from './output.js';
import { stateMachineDefinition } from './state-machine-definition.js';

const REGIONS = ['us-east-1', 'eu-west-1'];
const PROD = '111111111111';
const STAGE = '222222222222';
const ACCOUNTS = [
  { id: AUDITOR_ACCOUNT, name: 'security (the auditor runs here)', rooms: 3 },
  { id: PROD, name: 'prod', rooms: 4 },
  { id: STAGE, name: 'stage (member role not deployed: AssumeRole is denied)', rooms: 2 },
];

/**
 * A small fleet per account and region: one compliant room, the others each breaking a policy, every
 * value one IVS Chat accepts (message length 1–500), as rooms made through its API would have.
 */
export function fleet(): SeedRoom[] {
  const rooms: SeedRoom[] = [];
  for (const account of ACCOUNTS) {
    for (const region of REGIONS) {
      for (let i = 0; i < account.rooms; i++) {
        rooms.push({
          accountId: account.id,
          region,
          id: `d${account.id.slice(0, 3)}${region.replace(/-/g, '').slice(0, 6)}${i}`,
          name: `${account.name.split(' ')[0]}-${region}-${['lobby', 'live', 'vip', 'qa'][i] ?? i}`,
          maximumMessageLength: i === 1 ? 500 : 200,
          maximumMessageRatePerSecond: 10,
          messageReviewHandler: {
            uri: `arn:aws:lambda:${region}:${account.id}:function:review`,
            fallbackResult: i === 2 ? 'ALLOW' : 'DENY',
          },
          loggingConfigurationIdentifiers: i === 3 ? [] : [orgLoggingConfigArn(account.id, region)],
          tags: { owner: 'team-chat' },
        });
      }
    }
  }
  return rooms;
}

export async function orgDemo(closers: (() => Promise<void>)[]): Promise<void> {
  const started = performance.now();
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  heading('ivschat-auditor demo --org: one state machine run over 3 accounts × 2 regions (offline)');
  out('Synthesizing the stack (cdk synth, in process) to take its state machine definition ...');
  const definition = stateMachineDefinition({
    accounts: ACCOUNTS.map((a) => a.id).join(','),
    regions: REGIONS.join(','),
  });
  const org = await startLocalOrg(definition, {
    accounts: ACCOUNTS.map((a) => a.id),
    regions: REGIONS,
    rooms: fleet(),
    denyAssumeRole: [STAGE],
    quotas: { enabled: true, scale: 1 },
  });
  closers.push(() => org.close());
  out(`Emulator              ${org.aws.endpoint} (IVS Chat, STS, Organizations, SNS), real quotas`);
  for (const account of ACCOUNTS) {
    out(`  account ${account.id}  ${account.name}: ${account.rooms} rooms in each of ${REGIONS.join(', ')}`);
  }
  out(`DynamoDB              dynalite, table ${org.table}`);
  out(
    'State machine         Plan → AuditTargets (Distributed Map, one child per account × region) → Aggregate',
  );
  out(
    '                      run by aws-local-stepfunctions; every Lambda task is the real lambda/handler.ts',
  );

  heading('RUN 1: the scheduled run');
  const first = await runOnce(org, 'demo-run-1');
  showAlerts('org-run1', first.messages);

  heading('RUN 2: an hour later, nothing changed');
  const second = await runOnce(org, 'demo-run-2');
  out();
  out(
    second.messages.length === 0
      ? `nothing sent: no finding changed, and ${STAGE} was already reported (it stays in the run summary and the ` +
          'MaxConsecutiveTargetFailures metric; the alarm fires after targetFailureAlarmRuns runs in a row)'
      : `${second.messages.length} message(s) sent`,
  );

  heading('Done');
  out(`2 runs in ${seconds(performance.now() - started)} s.`);
}

async function runOnce(
  org: LocalOrg,
  executionName: string,
): Promise<{ result: LocalRunResult; messages: ReturnType<LocalOrg['aws']['published']> }> {
  const before = org.aws.published().length;
  const t0 = performance.now();
  const result = await org.run(executionName);
  if (result.error)
    throw new Error(`the state machine failed: ${result.error.name}: ${result.error.message}`);
  const summary = result.output as RunAggregate;
  subheading('Run summary (the Aggregate step result + the interpreter counters)');
  out(
    `  targets          ${summary.targets} planned, ${summary.targetsAudited} audited, ${summary.targetsNotAudited} not audited`,
  );
  for (const t of summary.notAudited) out(`    not audited    ${t.accountId} ${t.region}: ${t.reason}`);
  out(
    `  rooms audited    ${summary.roomsAudited} in ${summary.accounts} accounts, complete: ${summary.complete}`,
  );
  out(
    `  findings         ${summary.findings} open; this run ${summary.newFindings} new, ${summary.resolvedFindings} resolved`,
  );
  const messages = org.aws.published().slice(before);
  out(
    `  delivered        ${plural(messages.length, 'SNS message')}${messages.length === 1 ? ', one alert for the whole run' : ''} ` +
      `(the Aggregate's "published": ${summary.published})`,
  );
  const steps = Object.entries(result.invocations).map(([step, n]) => `${step} ×${n}`);
  out(`  Lambda calls     ${steps.join(', ')}`);
  out(`  state transitions ${result.stateTransitions} (Standard workflows bill per transition)`);
  out(`  duration         ${seconds(performance.now() - t0)} s`);
  return { result, messages };
}
