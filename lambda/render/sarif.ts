import { isAbsolute, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sortFindings } from '../alert/alert.js';
import { isUnresolved } from '../audit/finding-state.js';
import type { Finding, Report, Severity } from '../core/types.js';
import { PRODUCT } from './email.js';
import { stripControl, wellFormed } from './escape.js';
import { roomLabel, roomName } from './room-label.js';
import { notEvaluatedLine } from './text.js';

/** What SARIF needs of a policy (a `PolicyFile` fits, plus the file it was loaded from). */
export interface SarifPolicy {
  id: string;
  title: string;
  severity: Severity;
  description: string;
  remediation: string;
  /** The policy file as loaded (`CompiledPolicy.file`: relative to the working directory). */
  file?: string;
}

export interface SarifOptions {
  /** The tool's home page: an absolute URI (SARIF 2.1.0 §3.19.17). Left out when not given. */
  informationUri?: string;
  /** At most this many results, summaries included (default 5,000: all GitHub code scanning shows). */
  maxResults?: number;
  /** The auditor's own version (`tool.driver.version`); the report format's version when not given. */
  toolVersion?: string;
  /**
   * Where a finding is declared, when its room comes from a file (`template`: the template and the
   * line of the offending property). Without it, or when it answers undefined, a result points at
   * its policy's file.
   */
  locate?: (finding: Finding) => SourceLine | undefined;
}

/** A line of a file, the file as given (relative to the working directory, or absolute). */
export interface SourceLine {
  file: string;
  line: number;
}

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
/**
 * GitHub code scanning rejects a run with more than 25,000 results and shows only the 5,000 most
 * severe. Past this many, the most severe findings are listed and the rest are counted, per policy,
 * in one summary result each, so no finding disappears without a word.
 */
export const MAX_SARIF_RESULTS = 5_000;

export type SarifLevel = 'error' | 'warning' | 'note';

const LEVEL: Record<Severity, SarifLevel> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};

/** GitHub code scanning reads `security-severity` (a number as a string) to rank alerts. */
const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
  info: '0.0',
};

// The SARIF object model is large; these are the parts we emit.
export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: SarifRun[];
}

export interface SarifRun {
  tool: { driver: { name: string; informationUri?: string; version?: string; rules: SarifRule[] } };
  invocations: {
    executionSuccessful: boolean;
    startTimeUtc?: string;
    endTimeUtc?: string;
    toolExecutionNotifications: SarifNotification[];
  }[];
  results: SarifResult[];
  properties?: Record<string, unknown>;
}

export interface SarifNotification {
  level: SarifLevel;
  message: { text: string };
  descriptor?: { id: string };
  /** The policy a notification is about (SARIF 2.1.0 §3.58.5), e.g. one not evaluated. */
  associatedRule?: { id: string; index: number };
  properties?: Record<string, unknown>;
}

export interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help: { text: string };
  defaultConfiguration: { level: SarifLevel };
  properties: { 'security-severity': string; tags: string[] };
}

export interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: SarifLevel;
  message: { text: string };
  locations: {
    physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } };
    logicalLocations?: { name: string; fullyQualifiedName: string; kind: 'resource' }[];
  }[];
  partialFingerprints: { 'ivschatFinding/v1': string };
  suppressions?: { kind: 'external'; status: 'accepted'; justification: string }[];
  properties: Record<string, unknown>;
}

/**
 * SARIF 2.1.0 for GitHub code scanning: one rule per policy, one result per finding that is not
 * resolved (failing ones first, most severe first), located at the policy's file with the room ARN
 * as a logical location. Exempt findings carry an external suppression. Past `maxResults`, one
 * summary result per policy counts the findings left out.
 */
export function renderSarif(
  report: Report,
  policies: readonly SarifPolicy[],
  opts: SarifOptions = {},
): SarifLog {
  const rules: SarifRule[] = [];
  const ruleIndex = new Map<string, number>();
  const files = new Map<string, string>();
  const addRule = (p: SarifPolicy) => {
    if (ruleIndex.has(p.id)) return;
    ruleIndex.set(p.id, rules.length);
    rules.push(toRule(p));
    if (p.file) files.set(p.id, p.file);
  };
  for (const p of policies) addRule(p);
  const locate = (policyId: string) => ({
    ruleIndex: ruleIndex.get(policyId) ?? 0,
    uri: artifactUri(files.get(policyId), policyId),
  });

  const shown = sortFindings(report.findings.filter(isUnresolved));
  // Failing findings before exempt ones, each in the usual order (most severe first).
  const ordered = [
    ...shown.filter((f) => f.status !== 'exempt'),
    ...shown.filter((f) => f.status === 'exempt'),
  ];
  const maxResults = Math.max(1, opts.maxResults ?? MAX_SARIF_RESULTS);
  const summaries = ordered.length > maxResults ? new Set(ordered.map((f) => f.policyId)).size : 0;
  const listed = summaries > 0 ? ordered.slice(0, Math.max(0, maxResults - summaries)) : ordered;
  const omitted = countByPolicy(ordered.slice(listed.length));

  const results: SarifResult[] = [];
  for (const f of ordered) {
    // A finding from a policy not passed in still gets a rule, so every result resolves.
    addRule({
      id: f.policyId,
      title: f.title,
      severity: f.severity,
      description: f.title,
      remediation: f.remediationTemplate,
    });
  }
  for (const f of listed) {
    const declared = opts.locate?.(f);
    const at = locate(f.policyId);
    results.push(
      toResult(
        f,
        declared ? { ...at, uri: artifactUri(declared.file, f.policyId), line: declared.line } : at,
      ),
    );
  }
  for (const [policyId, { count, severity }] of omitted) {
    results.push(summaryResult(policyId, severity, count, maxResults, locate(policyId)));
  }

  const driver: SarifRun['tool']['driver'] = {
    name: PRODUCT,
    version: opts.toolVersion ?? report.version,
    rules,
  };
  if (opts.informationUri) driver.informationUri = opts.informationUri;
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver },
        invocations: [
          {
            executionSuccessful: report.complete,
            startTimeUtc: report.startedAt,
            endTimeUtc: report.finishedAt,
            toolExecutionNotifications: [
              ...report.errors.map((e) => ({
                level: 'error' as const,
                message: {
                  text: clean(
                    `${e.region} ${e.operation}${e.roomArn ? ` ${e.roomArn}` : ''}: ${e.code}: ${e.message}`,
                  ),
                },
                descriptor: { id: clean(e.code) || 'error' },
                properties: { region: e.region, operation: e.operation, code: e.code, roomArn: e.roomArn },
              })),
              ...notEvaluatedNotifications(report, ruleIndex),
            ],
          },
        ],
        results,
        properties: {
          roomsAudited: report.roomsAudited,
          policiesEvaluated: report.policiesEvaluated,
          targets: report.targets,
          complete: report.complete,
          findingsListed: listed.length,
          findingsNotListed: ordered.length - listed.length,
        },
      },
    ],
  };
}

/**
 * A policy the rooms gave no verdict on (missing joined facts) is a warning about the run, not a
 * result: code scanning must neither raise nor close alerts for it.
 */
function notEvaluatedNotifications(
  report: Report,
  ruleIndex: ReadonlyMap<string, number>,
): SarifNotification[] {
  return (report.notEvaluated ?? []).map((n) => {
    const index = ruleIndex.get(n.policyId);
    return {
      level: 'warning' as const,
      message: { text: notEvaluatedLine(n) },
      descriptor: { id: 'NotEvaluated' },
      ...(index === undefined ? {} : { associatedRule: { id: n.policyId, index } }),
      properties: { policyId: n.policyId, rooms: n.rooms.length },
    };
  });
}

function countByPolicy(findings: readonly Finding[]): Map<string, { count: number; severity: Severity }> {
  const counts = new Map<string, { count: number; severity: Severity }>();
  for (const f of findings) {
    const entry = counts.get(f.policyId);
    if (entry) entry.count++;
    else counts.set(f.policyId, { count: 1, severity: f.severity });
  }
  return counts;
}

/**
 * Where GitHub finds the policy: its file relative to the working directory (the repository root in
 * a workflow), `/`-separated and percent-encoded per segment; an absolute path becomes a file URI.
 * A finding whose policy was not passed in points where the default policy folder would hold it.
 */
function artifactUri(file: string | undefined, policyId: string): string {
  if (!file) return `policies/${encodeURIComponent(wellFormed(policyId))}.json`;
  if (isAbsolute(file)) return pathToFileURL(file).href;
  return wellFormed(file)
    .split(sep === '\\' ? /[\\/]/ : '/')
    .map(encodeURIComponent)
    .join('/');
}

function toRule(p: SarifPolicy): SarifRule {
  return {
    id: p.id,
    name: pascal(p.id),
    shortDescription: { text: clean(p.title) },
    fullDescription: { text: clean(p.description) },
    help: { text: clean(p.remediation) },
    defaultConfiguration: { level: LEVEL[p.severity] },
    properties: {
      'security-severity': SECURITY_SEVERITY[p.severity],
      tags: ['security', 'ivs-chat', p.severity],
    },
  };
}

interface Location {
  ruleIndex: number;
  uri: string;
  /** 1 (the policy file's top) unless the finding's own file says where. */
  line?: number;
}

function toResult(f: Finding, at: Location): SarifResult {
  const result: SarifResult = {
    ruleId: f.policyId,
    ruleIndex: at.ruleIndex,
    level: LEVEL[f.severity],
    message: { text: clean(`${roomLabel(f)}: ${f.message}`) },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: at.uri },
          region: { startLine: at.line ?? 1 },
        },
        logicalLocations: [{ name: clean(roomName(f)), fullyQualifiedName: f.roomArn, kind: 'resource' }],
      },
    ],
    partialFingerprints: { 'ivschatFinding/v1': f.fingerprint },
    properties: {
      accountId: f.accountId,
      region: f.region,
      roomArn: f.roomArn,
      path: f.path,
      status: f.status,
      severity: f.severity,
      firstSeen: f.firstSeen,
      lastSeen: f.lastSeen,
    },
  };
  if (f.status === 'exempt' && f.exemption && !f.exemption.expired) {
    const until = f.exemption.expires ? ` (until ${f.exemption.expires})` : '';
    result.suppressions = [
      { kind: 'external', status: 'accepted', justification: clean(f.exemption.reason + until) },
    ];
  }
  return result;
}

function summaryResult(
  policyId: string,
  severity: Severity,
  count: number,
  maxResults: number,
  at: Location,
): SarifResult {
  const rooms = count === 1 ? '1 more finding' : `${count.toLocaleString('en-US')} more findings`;
  return {
    ruleId: policyId,
    ruleIndex: at.ruleIndex,
    level: LEVEL[severity],
    message: {
      text: clean(
        `${policyId}: ${rooms} not listed here (SARIF output lists at most ${maxResults.toLocaleString('en-US')} results, ` +
          'the most that GitHub code scanning shows). Run `ivschat-audit audit --format json` to see all findings.',
      ),
    },
    locations: [{ physicalLocation: { artifactLocation: { uri: at.uri }, region: { startLine: 1 } } }],
    // One stable alert per policy for "some findings not listed", whatever the count.
    partialFingerprints: { 'ivschatFinding/v1': `not-listed/${policyId}` },
    properties: { notListed: count, summary: true },
  };
}

function clean(s: string): string {
  return stripControl(s);
}

function pascal(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]?.toUpperCase() + w.slice(1))
    .join('');
}
