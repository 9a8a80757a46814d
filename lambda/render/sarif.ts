import type { Finding, Report, Severity } from '../core/types.js';
import { sortFindings } from './alert.js';
import { PRODUCT } from './email.js';
import { stripControl, wellFormed } from './escape.js';

/** What SARIF needs of a policy (a `PolicyFile` fits). */
export interface SarifPolicy {
  id: string;
  title: string;
  severity: Severity;
  description: string;
  remediation: string;
}

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
export const INFORMATION_URI = 'https://github.com/ivschat-auditor/ivschat-auditor';

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
  tool: { driver: { name: string; informationUri: string; version?: string; rules: SarifRule[] } };
  invocations: {
    executionSuccessful: boolean;
    startTimeUtc?: string;
    endTimeUtc?: string;
    toolExecutionNotifications: {
      level: SarifLevel;
      message: { text: string };
      descriptor?: { id: string };
      properties?: Record<string, unknown>;
    }[];
  }[];
  results: SarifResult[];
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
    logicalLocations: { name: string; fullyQualifiedName: string; kind: 'resource' }[];
  }[];
  partialFingerprints: { 'ivschatFinding/v1': string };
  suppressions?: { kind: 'external'; status: 'accepted'; justification: string }[];
  properties: Record<string, unknown>;
}

/**
 * SARIF 2.1.0 for GitHub code scanning: one rule per policy, one result per finding that is not
 * resolved, located at the policy file (`policies/<id>.json`, which exists in the repository) with
 * the room ARN as a logical location. Exempt findings carry an external suppression.
 */
export function renderSarif(
  report: Report,
  policies: readonly SarifPolicy[],
  opts: { informationUri?: string } = {},
): SarifLog {
  const rules: SarifRule[] = [];
  const ruleIndex = new Map<string, number>();
  const addRule = (p: SarifPolicy) => {
    if (ruleIndex.has(p.id)) return;
    ruleIndex.set(p.id, rules.length);
    rules.push(toRule(p));
  };
  for (const p of policies) addRule(p);

  const results: SarifResult[] = [];
  for (const f of sortFindings(report.findings)) {
    if (f.status === 'resolved') continue;
    // A finding from a policy not passed in still gets a rule, so every result resolves.
    addRule({
      id: f.policyId,
      title: f.title,
      severity: f.severity,
      description: f.title,
      remediation: f.remediationTemplate,
    });
    results.push(toResult(f, ruleIndex.get(f.policyId) ?? 0));
  }

  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: PRODUCT,
            informationUri: opts.informationUri ?? INFORMATION_URI,
            version: report.version,
            rules,
          },
        },
        invocations: [
          {
            executionSuccessful: report.complete,
            startTimeUtc: report.startedAt,
            endTimeUtc: report.finishedAt,
            toolExecutionNotifications: report.errors.map((e) => ({
              level: 'error' as const,
              message: {
                text: clean(
                  `${e.region} ${e.operation}${e.roomArn ? ` ${e.roomArn}` : ''}: ${e.code}: ${e.message}`,
                ),
              },
              descriptor: { id: clean(e.code) || 'error' },
              properties: { region: e.region, operation: e.operation, code: e.code, roomArn: e.roomArn },
            })),
          },
        ],
        results,
        properties: {
          roomsAudited: report.roomsAudited,
          policiesEvaluated: report.policiesEvaluated,
          targets: report.targets,
          complete: report.complete,
        },
      },
    ],
  };
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

function toResult(f: Finding, index: number): SarifResult {
  const result: SarifResult = {
    ruleId: f.policyId,
    ruleIndex: index,
    level: LEVEL[f.severity],
    message: { text: clean(`${f.roomName || f.roomId} (${f.region}): ${f.message}`) },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: `policies/${encodeURIComponent(wellFormed(f.policyId))}.json` },
          region: { startLine: 1 },
        },
        logicalLocations: [
          { name: clean(f.roomName || f.roomId), fullyQualifiedName: f.roomArn, kind: 'resource' },
        ],
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
