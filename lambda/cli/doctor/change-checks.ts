/**
 * The change path: a trail logging management write events in each audited region (without one no
 * IVS Chat change ever reaches EventBridge), the change rule enabled, the change queue's oldest
 * message (the CloudWatch metric `AWS/SQS ApproximateAgeOfOldestMessage`: SQS has no such
 * attribute) and the change dead-letter queue's depth.
 */
import {
  type AdvancedEventSelector,
  DescribeTrailsCommand,
  type EventSelector,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
  type Trail,
} from '@aws-sdk/client-cloudtrail';
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeRuleCommand } from '@aws-sdk/client-eventbridge';
import { queueDepth, queueName, queueRegion } from './alert-checks.js';
import { type CheckResult, check } from './check.js';
import { type DoctorContext, duration, sendOptions } from './context.js';

/** The change-queue age alarm's threshold (lib/auditor/monitoring.ts): older changes are left to the schedule. */
const QUEUE_AGE_FAIL_SECONDS = 15 * 60;
const QUEUE_AGE_WARN_SECONDS = 5 * 60;
const IVSCHAT_SOURCE = 'ivschat.amazonaws.com';
const OFF = 'change events are off (changeEvents=false): rooms changed between runs wait for the schedule';

export async function trailCheck(ctx: DoctorContext, region: string): Promise<CheckResult> {
  const id = `trail:${region}`;
  const title = `CloudTrail logging IVS Chat writes in ${region}`;
  if (!ctx.deployment.changes) return check(id, title, 'skip', [OFF]);
  const client = ctx.clients.get('cloudtrail', region);
  const { trailList = [] } = await client.send(
    new DescribeTrailsCommand({ includeShadowTrails: true }),
    sendOptions(ctx),
  );
  const evidence: string[] = [];
  let covering: Trail | undefined;
  for (const trail of trailList) {
    const name = trail.TrailARN ?? trail.Name ?? '';
    const status = await client.send(new GetTrailStatusCommand({ Name: name }), sendOptions(ctx));
    const selectors = await client.send(new GetEventSelectorsCommand({ TrailName: name }), sendOptions(ctx));
    const logsWrites = logsManagementWrites(selectors.EventSelectors, selectors.AdvancedEventSelectors);
    evidence.push(
      `${trail.Name ?? name} (home ${trail.HomeRegion ?? '?'}${trail.IsMultiRegionTrail ? ', multi-region' : ''}${trail.IsOrganizationTrail ? ', organization' : ''}): ${status.IsLogging ? 'logging' : 'NOT logging'}, ${logsWrites ? 'logs management write events' : 'does not log IVS Chat management write events'}`,
    );
    if (status.IsLogging && logsWrites && !covering) covering = trail;
  }
  if (trailList.length === 0)
    evidence.push('no trail in this region (none homed here, no multi-region trail)');
  const fix = `create a multi-region trail logging management events: aws cloudtrail create-trail --name ivschat-audit --s3-bucket-name <bucket> --is-multi-region-trail --region ${region} && aws cloudtrail start-logging --name ivschat-audit --region ${region}`;
  if (!covering) return check(id, title, 'fail', evidence, fix);
  const accounts = ctx.deployment.accounts;
  const others = accounts === 'organization' || accounts.some((a) => a !== ctx.deployment.accountId);
  // Without a trail in a member account no change event from it ever arrives: the schedule alone
  // finds its changes. doctor cannot see the members' own trails, so it asks for a look.
  if (others && !covering.IsOrganizationTrail) {
    evidence.push("this account's trail is not an organization trail: it does not log the member accounts");
    return check(
      id,
      title,
      'warn',
      evidence,
      `an organization trail (aws cloudtrail update-trail --name ${covering.Name ?? '<trail>'} --is-organization-trail --region ${covering.HomeRegion ?? region}, from the management account), or a trail logging management events in each member account`,
    );
  }
  return check(id, title, 'pass', evidence);
}

/**
 * Whether selectors log the management write events of IVS Chat. Basic: a selector including
 * management events, read-write `All` or `WriteOnly`. Advanced: a selector on eventCategory
 * `Management` that neither keeps only reads nor leaves out ivschat.amazonaws.com.
 */
export function logsManagementWrites(
  basic: readonly EventSelector[] | undefined,
  advanced: readonly AdvancedEventSelector[] | undefined,
): boolean {
  if (advanced && advanced.length > 0) return advanced.some(advancedLogsWrites);
  return (basic ?? []).some(
    (s) => s.IncludeManagementEvents !== false && (s.ReadWriteType ?? 'All') !== 'ReadOnly',
  );
}

function advancedLogsWrites(selector: AdvancedEventSelector): boolean {
  const fields = selector.FieldSelectors ?? [];
  const field = (name: string) => fields.filter((f) => f.Field === name);
  const management = field('eventCategory').some((f) => f.Equals?.includes('Management'));
  if (!management) return false;
  const onlyReads = field('readOnly').some(
    (f) => f.Equals?.includes('true') || f.NotEquals?.includes('false'),
  );
  if (onlyReads) return false;
  return field('eventSource').every(
    (f) =>
      !f.NotEquals?.includes(IVSCHAT_SOURCE) &&
      (f.Equals === undefined || f.Equals.includes(IVSCHAT_SOURCE)) &&
      !f.NotStartsWith?.some((p) => IVSCHAT_SOURCE.startsWith(p)) &&
      (f.StartsWith === undefined || f.StartsWith.some((p) => IVSCHAT_SOURCE.startsWith(p))),
  );
}

export async function changeRuleCheck(ctx: DoctorContext): Promise<CheckResult> {
  const title = 'Change rule';
  const changes = ctx.deployment.changes;
  if (!changes) return check('change-rule', title, 'skip', [OFF]);
  const region = ctx.deployment.region;
  const rule = await ctx.clients
    .get('events', region)
    .send(new DescribeRuleCommand({ Name: changes.ruleName }), sendOptions(ctx));
  const evidence = [`rule ${changes.ruleName}: ${rule.State ?? 'unknown'}`];
  if (rule.State === 'ENABLED') return check('change-rule', title, 'pass', evidence);
  return check(
    'change-rule',
    title,
    'fail',
    evidence,
    `aws events enable-rule --name ${changes.ruleName} --region ${region}`,
  );
}

export async function changeQueueCheck(ctx: DoctorContext): Promise<CheckResult> {
  const title = 'Change queue and its dead-letter queue';
  const changes = ctx.deployment.changes;
  if (!changes) return check('change-queue', title, 'skip', [OFF]);
  const region = queueRegion(changes.queueUrl) ?? ctx.deployment.region;
  const end = new Date(Math.floor(ctx.now.getTime() / 60_000) * 60_000);
  const { MetricDataResults = [] } = await ctx.clients.get('cloudwatch', region).send(
    new GetMetricDataCommand({
      StartTime: new Date(end.getTime() - 15 * 60_000),
      EndTime: end,
      MetricDataQueries: [
        {
          Id: 'age',
          MetricStat: {
            Metric: {
              Namespace: 'AWS/SQS',
              MetricName: 'ApproximateAgeOfOldestMessage',
              Dimensions: [{ Name: 'QueueName', Value: queueName(changes.queueUrl) }],
            },
            Period: 300,
            Stat: 'Maximum',
          },
        },
      ],
    }),
    sendOptions(ctx),
  );
  const age = Math.max(0, ...(MetricDataResults[0]?.Values ?? []));
  const depth = await queueDepth(ctx, changes.deadLetterQueueUrl);
  const evidence = [
    `oldest change waiting: ${duration(age)} (last 15 min, CloudWatch ApproximateAgeOfOldestMessage)`,
    `${depth} message(s) in ${queueName(changes.deadLetterQueueUrl)}`,
  ];
  if (depth > 0)
    return check(
      'change-queue',
      title,
      'fail',
      evidence,
      `read them to see what failed: aws sqs receive-message --queue-url ${changes.deadLetterQueueUrl} --region ${region}; the next scheduled run audits those rooms anyway`,
    );
  if (age >= QUEUE_AGE_FAIL_SECONDS)
    return check(
      'change-queue',
      title,
      'fail',
      evidence,
      'the change function is not keeping up or failing: see its errors in the dashboard and its log group',
    );
  if (age >= QUEUE_AGE_WARN_SECONDS) return check('change-queue', title, 'warn', evidence);
  return check('change-queue', title, 'pass', evidence);
}
