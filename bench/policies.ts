/** The starter policies plus 15 synthetic ones (limits, tags, appliesTo scoping, name pattern). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CompiledPolicy, compilePolicies, type PolicySource } from '../lambda/policy/compile.js';
import { DEFAULT_POLICIES_DIR, loadPolicyDir, POLICY_SCHEMA_FILE } from '../lambda/policy/load-dir.js';

type Spec = {
  id: string;
  severity?: 'critical' | 'high' | 'medium' | 'low' | 'info';
  rule: object;
  appliesTo?: object;
  regions?: string[];
};

const prod = {
  type: 'object',
  required: ['tags'],
  properties: { tags: { required: ['env'], properties: { env: { const: 'prod' } } } },
};
const staging = {
  type: 'object',
  required: ['tags'],
  properties: { tags: { required: ['env'], properties: { env: { const: 'staging' } } } },
};

const SPECS: Spec[] = [
  ...[100, 150, 250, 400].map((max) => ({
    id: `bench-length-max-${max}`,
    rule: {
      type: 'object',
      required: ['maximumMessageLength'],
      properties: { maximumMessageLength: { type: 'integer', maximum: max } },
    },
  })),
  ...[5, 20, 50].map((max) => ({
    id: `bench-rate-max-${max}`,
    rule: {
      type: 'object',
      required: ['maximumMessageRatePerSecond'],
      properties: { maximumMessageRatePerSecond: { type: 'integer', maximum: max } },
    },
  })),
  {
    id: 'bench-rate-min-2',
    rule: { type: 'object', properties: { maximumMessageRatePerSecond: { minimum: 2 } } },
  },
  {
    id: 'bench-tags-env-cost-center',
    rule: {
      type: 'object',
      required: ['tags'],
      properties: { tags: { type: 'object', required: ['env', 'cost-center'] } },
    },
  },
  {
    id: 'bench-tag-env-enum',
    rule: {
      type: 'object',
      properties: { tags: { properties: { env: { enum: ['prod', 'staging', 'dev'] } } } },
    },
  },
  {
    id: 'bench-prod-length-max-140',
    severity: 'high',
    appliesTo: prod,
    rule: {
      type: 'object',
      required: ['maximumMessageLength'],
      properties: { maximumMessageLength: { maximum: 140 } },
    },
  },
  {
    id: 'bench-prod-logging-two',
    severity: 'high',
    appliesTo: prod,
    rule: {
      type: 'object',
      properties: { loggingConfigurationIdentifiers: { type: 'array', minItems: 1, maxItems: 2 } },
    },
  },
  {
    id: 'bench-staging-review-handler',
    appliesTo: staging,
    rule: { type: 'object', required: ['messageReviewHandler'] },
  },
  {
    id: 'bench-name-pattern',
    severity: 'info',
    rule: {
      type: 'object',
      required: ['name'],
      properties: { name: { type: 'string', pattern: '^(prod|staging|dev)-[a-z0-9-]+$', maxLength: 64 } },
    },
  },
  {
    id: 'bench-eu-owner-team',
    regions: ['eu-west-1', 'us-east-1'],
    rule: {
      type: 'object',
      required: ['tags'],
      properties: {
        tags: { required: ['owner'], properties: { owner: { type: 'string', pattern: '^team-' } } },
      },
    },
  },
];

function source(spec: Spec): PolicySource {
  const file = {
    id: spec.id,
    title: `Benchmark policy ${spec.id}`,
    severity: spec.severity ?? 'medium',
    description: 'Synthetic policy for the benchmark.',
    remediation: 'aws ivschat update-room --region {region} --identifier {arn}',
    rule: spec.rule,
    ...(spec.appliesTo ? { appliesTo: spec.appliesTo } : {}),
    ...(spec.regions ? { regions: spec.regions } : {}),
    examples: {
      pass: [{ arn: 'arn:aws:ivschat:us-east-1:000000000000:room/PassBench001' }],
      fail: [{ arn: 'arn:aws:ivschat:us-east-1:000000000000:room/FailBench001' }],
    },
  };
  return { file: `bench/${spec.id}.json`, text: JSON.stringify(file) };
}

export function syntheticPolicies(): CompiledPolicy[] {
  const schema = JSON.parse(readFileSync(join(DEFAULT_POLICIES_DIR, POLICY_SCHEMA_FILE), 'utf8')) as object;
  return compilePolicies(SPECS.map(source), schema);
}

/** 5 starter + 15 synthetic = 20 policies. */
export function benchPolicies(): CompiledPolicy[] {
  return [...loadPolicyDir().policies, ...syntheticPolicies()];
}
