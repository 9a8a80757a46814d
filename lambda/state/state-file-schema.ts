import { SEVERITIES } from '../core/types.js';

/**
 * The `--state` file (JSON Schema 2020-12). The file is read as a stream, so each finding record and
 * each cached room is checked on its own against `$defs`, and the top level (with `findings` and
 * `rooms` read as `{}`) against the whole schema. Records carry what `reconcile` and the resolved
 * output read; `remediationTemplate` is not kept (see state/record.ts).
 */
export const STATE_FILE_SCHEMA_ID = 'https://ivschat-auditor.local/state-file.schema.json';

const text = { type: 'string' } as const;

export const STATE_FILE_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: STATE_FILE_SCHEMA_ID,
  title: 'ivschat-audit --state file',
  type: 'object',
  required: ['version', 'findings'],
  properties: {
    version: { const: 1 },
    findings: { type: 'object', additionalProperties: { $ref: '#/$defs/record' } },
    rooms: {
      description: '`<account>/<region>` → room ARN → the room as last fetched with GetRoom',
      type: 'object',
      additionalProperties: { type: 'object', additionalProperties: { $ref: '#/$defs/cachedRoom' } },
    },
  },
  $defs: {
    record: {
      type: 'object',
      required: ['fingerprint', 'status', 'firstSeen', 'lastSeen', 'finding'],
      properties: {
        fingerprint: text,
        status: { enum: ['open', 'resolved', 'exempt'] },
        firstSeen: text,
        lastSeen: text,
        lastNotified: text,
        pendingSinks: { type: 'array', items: text },
        // Kept for the shared state table's concurrent writers; a state file has one writer.
        version: { type: 'integer', minimum: 0 },
        observedAt: { type: 'string' },
        owedFor: { type: 'integer', minimum: 0 },
        finding: {
          type: 'object',
          required: ['policyId', 'title', 'severity', 'accountId', 'region', 'roomArn', 'path', 'message'],
          properties: {
            fingerprint: text,
            policyId: text,
            title: text,
            severity: { enum: [...SEVERITIES] },
            status: text,
            accountId: text,
            region: text,
            roomArn: text,
            roomId: text,
            roomName: text,
            path: text,
            message: text,
            firstSeen: text,
            lastSeen: text,
            resolvedReason: text,
            exemption: { type: 'object' },
            routes: { type: 'array', items: text },
          },
        },
      },
    },
    cachedRoom: {
      type: 'object',
      required: ['arn', 'fetchedAt', 'doc'],
      properties: {
        arn: text,
        updateTime: text,
        fetchedAt: text,
        doc: { type: 'object', required: ['arn'], properties: { arn: text } },
      },
    },
  },
} as const;
