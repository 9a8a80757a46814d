/**
 * The contracts of ivschat-auditor (see README and policies/README.md).
 * Everything in lambda/core is pure: no AWS SDK, no clock, no environment.
 */

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Higher number = more severe. */
export const SEVERITY_RANK: Record<Severity, number> = { critical: 4, high: 3, medium: 2, low: 1, info: 0 };

/**
 * A GetRoom response as JSON, plus the joined and derived facts of core/room-fields.ts. Fields the
 * API omits stay absent.
 */
export interface RoomDocument {
  arn: string;
  id?: string;
  name?: string;
  createTime?: string;
  updateTime?: string;
  maximumMessageLength?: number;
  maximumMessageRatePerSecond?: number;
  messageReviewHandler?: {
    uri?: string;
    fallbackResult?: string;
    functionAccountId?: string;
    functionRegion?: string;
  };
  loggingConfigurationIdentifiers?: string[];
  tags?: Record<string, string>;
  loggingConfigurations?: LoggingConfigurationFact[];
  accountId?: string;
  region?: string;
  [extra: string]: unknown;
}

/** IVS Chat logging destinations (the API's DestinationConfiguration union). */
export type LoggingDestinationType = 's3' | 'cloudWatchLogs' | 'firehose';

/**
 * A logging configuration as joined into a room (`loggingConfigurations`): the API's summary cut to
 * what a policy checks. `destination` is the bucket, log group or delivery stream name. A room
 * pointing at a configuration that does not exist gets `{ arn, state: "NOT_FOUND" }`.
 */
export interface LoggingConfigurationFact {
  arn: string;
  id?: string;
  name?: string;
  state: string;
  destinationType?: LoggingDestinationType;
  destination?: string;
}

export interface Exemption {
  rooms: string[];
  reason: string;
  /** YYYY-MM-DD; the exemption holds through the end of that day (UTC). */
  expires?: string;
}

/** A policy file as written in policies/<id>.json. */
export interface PolicyFile {
  $schema?: string;
  id: string;
  title: string;
  severity: Severity;
  description: string;
  remediation: string;
  rule: Record<string, unknown> | boolean;
  appliesTo?: Record<string, unknown> | boolean;
  regions?: string[];
  exemptions?: Exemption[];
  /** The pull-request preview's guard (`policies diff`): more newly failing findings than this fail it. */
  rollout?: { maxNewFindings?: number };
  examples: { pass: RoomDocument[]; fail: RoomDocument[] };
  /** How to fix a violating room with UpdateRoom; proven on the fail examples when the set loads. */
  fix?: PolicyFix;
}

export interface PolicyFix {
  /** UpdateRoom fields (`messageReviewHandler.<field>` for one handler field) → the value to set. */
  set: Record<string, unknown>;
  /** The deployed auditor may apply this fix on its own (opt-in, within the guards). */
  auto?: boolean;
}

export type FindingStatus = 'new' | 'open' | 'resolved' | 'exempt';

export interface Finding {
  /** Stable for (policyId, roomArn, path): the value may change, the finding stays the same. */
  fingerprint: string;
  policyId: string;
  title: string;
  severity: Severity;
  status: FindingStatus;
  accountId: string;
  region: string;
  roomArn: string;
  roomId: string;
  roomName: string;
  /** JSON pointer into the room document. */
  path: string;
  /** The offending value; undefined (absent from JSON) when the property is missing. */
  actual?: unknown;
  /** Human: "maximumMessageLength is 500; must be ≤ 200". */
  message: string;
  /**
   * The policy's remediation as written, placeholders (`{arn}`, `{name}`, …) included. Every output
   * shows it filled, as `remediation`, through `fillRemediation` (render/remediation.ts); no output
   * shows the template itself.
   */
  remediationTemplate: string;
  firstSeen: string;
  lastSeen: string;
  /** Set on exempt findings, and on findings whose exemption has expired. */
  exemption?: { reason: string; expires?: string; expired: boolean };
  /** Why a finding resolved (e.g. "room deleted"). */
  resolvedReason?: string;
  /**
   * The alert routes the finding goes to (policies/routes.json; `default` when none matched), set only
   * when a routes file is present. Findings routed alike share one array.
   */
  routes?: readonly string[];
}

export interface AuditError {
  region: string;
  roomArn?: string;
  /** Set when one policy failed on one room (its findings for that room are neither new nor resolved). */
  policyId?: string;
  operation: string;
  code: string;
  message: string;
}

/** The report error a change batch records for the rooms it left to the full audit. */
export const FULL_AUDIT_DUE = 'FullAuditDue';

export interface Target {
  accountId: string;
  region: string;
}

export interface Report {
  version: string;
  startedAt: string;
  finishedAt: string;
  targets: Target[];
  roomsAudited: number;
  policiesEvaluated: number;
  findings: Finding[];
  errors: AuditError[];
  complete: boolean;
  /** Rooms listed but gone before GetRoom (ResourceNotFoundException): skipped, not an error. */
  roomsSkipped?: number;
  /** How far a run got: rooms listed, audited, and left for the next run (deadline reached). */
  progress?: { roomsListed: number; roomsRemaining: number };
  /**
   * Policies the room documents gave no verdict on because they lack joined facts the policy reads
   * (a plain GetRoom document has no `loggingConfigurations`): a warning, not an error, so the audit
   * stays complete (`audit --strict` makes it incomplete). Absent when every policy was evaluated.
   * A live audit whose join failed reports an API error instead (FactsMissing in `errors`).
   */
  notEvaluated?: NotEvaluated[];
  /**
   * Findings counted but not listed: open before this run and still open as stored (same message, no
   * reminder due, not exempt), so there is nothing to tell or write about them. Only the scheduled
   * Lambda without a report bucket leaves them out of `findings` (a steady state of 50,000 rooms
   * finds 145,823 of them again); every other run lists every finding. Totals count both
   * (alert.ts `findingCount`, `openCount`). One entry per distinct routes list.
   */
  unchangedOpen?: UnchangedOpen[];
}

/** Findings left as stored, counted per severity, for one routes list (see Report.unchangedOpen). */
export interface UnchangedOpen {
  /** The alert routes of these findings (absent without a routes file), as Finding.routes. */
  routes?: readonly string[];
  count: number;
  bySeverity: Record<Severity, number>;
}

/** One policy left unevaluated on some rooms for want of joined facts (see Report.notEvaluated). */
export interface NotEvaluated {
  policyId: string;
  /** Which facts are missing and how to supply them. */
  reason: string;
  /** ARNs of the rooms it was not evaluated on, in audit order. */
  rooms: string[];
}

export const REPORT_VERSION = '1.0';

/** What one region's inventory produced: the input of evaluation. */
export interface RegionInventory {
  accountId: string;
  region: string;
  /** ARNs of every room the list returned, in list order (summaries are not kept: memory). */
  listed: string[];
  /** ARNs of the rooms audited in this run. */
  audited: string[];
  /**
   * Documents of the audited rooms when the listing kept them (`inventoryRegion` without `onRoom`).
   * An audit evaluates rooms as they arrive instead (`evaluation`), so that 50,000 documents are
   * never held at once; the report reads `evaluation` only.
   */
  rooms: RoomDocument[];
  /**
   * The audited rooms' findings and errors, as inventory/room-evaluation.ts evaluated them; the
   * findings left as stored only counted, when the run asked for that (Report.unchangedOpen).
   */
  evaluation?: { findings: Finding[]; errors: AuditError[]; unchangedOpen?: UnchangedOpen[] };
  /**
   * Policy id → rooms it could not be evaluated on for want of joined facts: their findings for that
   * policy are neither raised nor resolved, and the report says so once per policy.
   */
  notEvaluated?: Map<string, string[]>;
  /**
   * `<policy id>\n<room ARN>` → why that policy could not judge that room, when the join said so
   * itself (a stack tag that is not the stack's); the report groups the rooms by reason. A room
   * without an entry lacked the joined facts for the usual reason.
   */
  notEvaluatedReasons?: Map<string, string>;
  /**
   * `<policy id>\n<room ARN>` → JSON pointers the policy could not judge on the room this run (a
   * field the IaC drift check could not compare). The policy's open findings on the room are not
   * resolved this run (a stored finding's key holds no pointer to tell which field it is on).
   */
  notEvaluatedPaths?: Map<string, string[]>;
  /** Why joined facts are missing in this region (the listing's error), for that report error. */
  factsMissingReason?: string;
  /** ARNs listed but gone before their GetRoom (deleted in between): skipped, not errors. */
  deleted: string[];
  /** ARNs listed but not fetched because the run stopped early. */
  notReached: string[];
  /** ARNs of the rooms this run fetched with GetRoom (the rest came from the cache or the list). */
  fetched?: string[];
  errors: AuditError[];
  /** The list was read to the end and every listed room was audited or skipped as deleted. */
  complete: boolean;
  /**
   * The listing is the whole truth, so a known room missing from it is gone (saved `--input` files).
   * A live ListRooms is not: a room updated while the pages are read moves to the front and is missed,
   * so live runs confirm absence with GetRoom instead.
   */
  authoritative?: boolean;
  /** Why a room missing from an authoritative listing counts as gone, as its finding says. Default "room deleted". */
  absentReason?: string;
  /** API calls made; `listLoggingConfigurations` only where some policy reads the joined facts. */
  calls: {
    listRooms: number;
    getRoom: number;
    listLoggingConfigurations?: number;
    /** The IaC drift check's stack reads (setting `iacDrift`), where some room claims a stack. */
    describeStacks?: number;
    getTemplate?: number;
  };
}
