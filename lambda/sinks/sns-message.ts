/**
 * One SNS publish of an alert, or of one part of a split alert (sns-parts.ts splits): the message
 * structure per protocol, the machine JSON and the message attributes, and what SNS counts of it.
 */
import {
  type Alert,
  type AlertRemediation,
  findingCount,
  highestSeverity,
  type NotAuditedTarget,
  type OmittedCounts,
  openCount,
} from '../alert/alert.js';
import { truncate } from '../core/truncate.js';
import type { AuditError, Finding, Report } from '../core/types.js';
import { renderEmail } from '../render/email.js';
import { utf8Bytes } from '../render/escape.js';
import { type ShownFinding, shownFinding } from '../render/remediation.js';
import { renderSlack } from '../render/slack.js';

/** SNS: a message plus its attributes is at most 256 KiB. */
export const SNS_MAX_BYTES = 262_144;
/** Machine JSON carries at most this many audit errors (with the total count). */
const MAX_ERRORS_IN_MESSAGE = 50;
/** Machine JSON lists at most this many of the run's targets (with the total count): a run may have thousands. */
const MAX_TARGETS_IN_MESSAGE = 100;
export interface MessageAttribute {
  DataType: 'String' | 'Number' | 'String.Array';
  StringValue: string;
}

/** The subset of the SNS `PublishInput` this module fills in (the caller adds `TopicArn`). */
export interface PublishInput {
  Subject: string;
  Message: string;
  MessageStructure: 'json';
  MessageAttributes: Record<string, MessageAttribute>;
}

/** The `sqs` / `lambda` body: what a program subscribed to the topic receives. */
export interface MachineAlert {
  schema: 'ivschat-auditor/alert@1';
  accountId: string;
  regions: string[];
  part?: { label: string; index: number; count: number };
  newFindings: MachineFinding[];
  resolvedFindings: MachineFinding[];
  reminders: MachineFinding[];
  /** Findings (and targets not audited) of this run not listed in this message (size limits); see the report. */
  omitted: OmittedCounts;
  /** The run's report without its findings list (`findingCount` says how many it had). */
  report: Omit<Report, 'findings' | 'errors'> & {
    /** Set when `targets` lists only the first of them. */
    targetCount?: number;
    findingCount: number;
    openCount: number;
    errorCount: number;
    errors: AuditError[];
  };
  /** With more than one account (then `accountId` is ''): how many the run covers. */
  accountCount?: number;
  /** Targets the run could not audit, listed in the first part(s) before any finding. */
  notAudited?: NotAuditedTarget[];
  /** The deployed remediation's plan or changes (setting `remediation`), in every part. */
  remediation?: AlertRemediation;
  /** The console page of the run's HTML report in S3 (setting `reportBucket`), in every part. */
  reportUrl?: string;
}

/** A finding as the machine JSON carries it: remediation filled, `actualTruncated` when compacted. */
export type MachineFinding = ShownFinding<ItemFinding>;

/** A finding as a message lists it: `actualTruncated` when it was compacted to fit. */
export type ItemFinding = Finding & { actualTruncated?: boolean };

/**
 * An alert (or one part of it) as one SNS publish: a JSON structure carrying the Slack custom
 * notification (`default`, `https`), the email body (`email`, `email-json`) and the machine JSON
 * (`sqs`, `lambda`), with attributes subscribers filter on. `position`: the part's place, when split.
 */
export function snsMessage(
  part: Alert,
  position?: { label: string; index: number; count: number },
): PublishInput {
  const email = renderEmail(part);
  const slack = JSON.stringify(renderSlack(part));
  const machine = JSON.stringify(machineAlert(part, position));
  const Message = JSON.stringify({
    default: slack,
    https: slack,
    email: email.body,
    'email-json': email.body,
    sqs: machine,
    lambda: machine,
  });
  return { Subject: email.subject, Message, MessageStructure: 'json', MessageAttributes: attributes(part) };
}

/** What SNS counts against its limit, conservatively: Message, Subject, and every attribute's name, type and value. */
export function messageBytes(input: PublishInput): number {
  let n = utf8Bytes(input.Message) + utf8Bytes(input.Subject);
  for (const [name, attr] of Object.entries(input.MessageAttributes)) {
    n += utf8Bytes(name) + utf8Bytes(attr.DataType) + utf8Bytes(attr.StringValue);
  }
  return n;
}

function machineAlert(part: Alert, position?: { label: string; index: number; count: number }): MachineAlert {
  const { findings, errors, ...rest } = part.report;
  const targets =
    rest.targets.length > MAX_TARGETS_IN_MESSAGE
      ? { targets: rest.targets.slice(0, MAX_TARGETS_IN_MESSAGE), targetCount: rest.targets.length }
      : {};
  const machine: MachineAlert = {
    schema: 'ivschat-auditor/alert@1',
    accountId: part.accountId,
    regions: part.regions,
    newFindings: part.newFindings.map(shownFinding),
    resolvedFindings: part.resolvedFindings.map(shownFinding),
    reminders: part.reminders.map(shownFinding),
    omitted: part.omitted ?? { new: 0, resolved: 0, reminders: 0 },
    report: {
      ...rest,
      ...targets,
      findingCount: findingCount(part.report),
      openCount: openCount(part.report),
      errorCount: errors.length,
      errors: errors.slice(0, MAX_ERRORS_IN_MESSAGE),
    },
  };
  if (position) machine.part = position;
  if ((part.accounts?.length ?? 0) > 1) machine.accountCount = part.accounts?.length;
  if (part.notAudited?.length) machine.notAudited = part.notAudited;
  if (part.remediation) machine.remediation = part.remediation;
  if (part.reportUrl) machine.reportUrl = part.reportUrl;
  return machine;
}

/**
 * `severity`: highest among new + still-open in this message, else among resolved;
 * `newCount`, `resolvedCount`: findings listed in this message; `openCount`: findings failing in
 * the whole run (a gauge, the same in every part); `policyIds`, `accountId` (absent for a run
 * over several accounts: SNS refuses an empty value), then `accountCount`; `notAuditedCount`: targets
 * not audited listed in this message; `part` when split.
 */
function attributes(part: Alert): Record<string, MessageAttribute> {
  const active = [...part.newFindings, ...part.reminders];
  const severity = highestSeverity(active) ?? highestSeverity(part.resolvedFindings) ?? 'none';
  const policyIds = [
    ...new Set([...active, ...part.resolvedFindings].map((f) => truncate(f.policyId, 128, ''))),
  ].sort();
  const attrs: Record<string, MessageAttribute> = {
    severity: { DataType: 'String', StringValue: severity },
    newCount: { DataType: 'Number', StringValue: String(part.newFindings.length) },
    resolvedCount: { DataType: 'Number', StringValue: String(part.resolvedFindings.length) },
    openCount: { DataType: 'Number', StringValue: String(openCount(part.report)) },
    policyIds: { DataType: 'String.Array', StringValue: JSON.stringify(policyIds) },
  };
  if (part.accountId) attrs.accountId = { DataType: 'String', StringValue: part.accountId };
  const accounts = part.accounts?.length ?? 0;
  if (accounts > 1) attrs.accountCount = { DataType: 'Number', StringValue: String(accounts) };
  if (part.notAudited?.length) {
    attrs.notAuditedCount = { DataType: 'Number', StringValue: String(part.notAudited.length) };
  }
  if (part.partLabel) attrs.part = { DataType: 'String', StringValue: part.partLabel.replace(/^part /, '') };
  return attrs;
}
