/**
 * The OCSF schema builder (build-schema.ts) run on a small made-up schema tree shaped like
 * ocsf/ocsf-schema's: inheritance, profiles, enums merged from the dictionary, inherited constraints
 * and data types come out as the committed 1.8.0 fixture relies on.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('./build-schema.ts', import.meta.url));

const TREE: Record<string, unknown> = {
  'dictionary.json': {
    attributes: {
      activity_id: { type: 'integer_t', enum: { 0: { caption: 'Unknown' }, 99: { caption: 'Other' } } },
      category_uid: { type: 'integer_t' },
      class_uid: { type: 'integer_t' },
      type_uid: { type: 'long_t' },
      time: { type: 'timestamp_t' },
      metadata: { type: 'metadata' },
      cloud: { type: 'cloud' },
      device: { type: 'device' },
      status_id: { type: 'integer_t', enum: { 0: { caption: 'Unknown' }, 1: { caption: 'Success' } } },
      name: { type: 'string_t' },
      uid: { type: 'string_t' },
      provider: { type: 'string_t' },
      version: { type: 'string_t' },
      product: { type: 'product' },
      port: { type: 'port_t' },
      labels: { type: 'string_t', is_array: true },
    },
    types: {
      attributes: {
        string_t: {},
        integer_t: {},
        long_t: {},
        float_t: {},
        boolean_t: {},
        json_t: {},
        timestamp_t: { type: 'long_t' },
        port_t: { type: 'integer_t', range: [0, 65535] },
      },
    },
  },
  'categories.json': { attributes: { findings: { uid: 2 } } },
  'events/base_event.json': {
    name: 'base_event',
    category: 'other',
    attributes: {
      $include: ['profiles/cloud.json', 'profiles/host.json'],
      activity_id: { requirement: 'required' },
      category_uid: { requirement: 'required' },
      class_uid: { requirement: 'required' },
      type_uid: { requirement: 'required' },
      time: { requirement: 'required' },
      metadata: { requirement: 'required' },
      status_id: { requirement: 'recommended' },
    },
  },
  'events/findings/finding.json': {
    name: 'finding',
    extends: 'base_event',
    category: 'findings',
    attributes: {
      activity_id: { enum: { 1: { caption: 'Create' } } },
      status_id: { enum: { 2: { caption: 'In Progress' } } },
    },
  },
  'events/findings/compliance_finding.json': {
    uid: 3,
    name: 'compliance_finding',
    extends: 'finding',
    attributes: {},
  },
  'profiles/cloud.json': {
    meta: 'profile',
    name: 'cloud',
    attributes: { cloud: { requirement: 'required' } },
  },
  'profiles/host.json': {
    meta: 'profile',
    name: 'host',
    attributes: { device: { requirement: 'required' } },
  },
  'objects/object.json': { name: 'object', attributes: {} },
  'objects/_entity.json': {
    name: '_entity',
    extends: 'object',
    attributes: { name: { requirement: 'recommended' }, uid: { requirement: 'recommended' } },
    constraints: { at_least_one: ['name', 'uid'] },
  },
  'objects/product.json': { name: 'product', extends: '_entity', attributes: { version: {}, port: {} } },
  'objects/metadata.json': {
    name: 'metadata',
    extends: 'object',
    attributes: { product: { requirement: 'required' }, version: { requirement: 'required' }, labels: {} },
  },
  'objects/cloud.json': {
    name: 'cloud',
    extends: 'object',
    attributes: { provider: { requirement: 'required' } },
  },
};

let root: string;
interface ObjectSchema {
  properties: Record<string, unknown>;
  required: string[];
  additionalProperties?: boolean;
  anyOf?: unknown[];
}
let schema: ObjectSchema & { title: string; $comment: string; $defs: Record<string, ObjectSchema> };

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'ocsf-tree-'));
  for (const [path, content] of Object.entries(TREE)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), JSON.stringify(content));
  }
  const run = spawnSync(process.execPath, ['--import', 'tsx', SCRIPT, root, '0.0.0-test'], {
    encoding: 'utf8',
  });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  schema = JSON.parse(run.stdout) as typeof schema;
}, 60_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('build-schema.ts', () => {
  it('fixes the class, category and type ids from the category and the merged activities', () => {
    expect(schema.title).toBe('OCSF 0.0.0-test compliance_finding (class_uid 2003)');
    expect(schema.properties.class_uid).toEqual({ const: 2003 });
    expect(schema.properties.category_uid).toEqual({ const: 2 });
    expect(schema.properties.type_uid).toEqual({ enum: [200300, 200301, 200399] });
    expect(schema.properties.activity_id).toEqual({ type: 'integer', enum: [0, 1, 99] });
  });

  it("merges an enum from the dictionary and every class's additions", () => {
    expect(schema.properties.status_id).toEqual({ type: 'integer', enum: [0, 1, 2] });
  });

  it('keeps the attributes of the applied profile (cloud) and leaves out the others (host)', () => {
    expect(schema.required).toContain('cloud');
    expect(schema.properties).not.toHaveProperty('device');
    expect(schema.required).not.toContain('device');
    expect(schema.$comment).toContain('profiles applied: cloud');
  });

  it('maps data types through their base types, with their limits', () => {
    expect(schema.properties.time).toEqual({ type: 'integer' });
    expect(schema.$defs.product?.properties.port).toEqual({ type: 'integer', minimum: 0, maximum: 65535 });
    expect(schema.$defs.metadata?.properties.labels).toEqual({ type: 'array', items: { type: 'string' } });
  });

  it("gives an object its parent's attributes and constraints, and refuses any other attribute", () => {
    expect(Object.keys(schema.$defs.product?.properties ?? {}).sort()).toEqual([
      'name',
      'port',
      'uid',
      'version',
    ]);
    expect(schema.$defs.product?.anyOf).toEqual([{ required: ['name'] }, { required: ['uid'] }]);
    expect(schema.$defs.product?.additionalProperties).toBe(false);
    expect(schema.$defs.metadata?.required).toEqual(['product', 'version']);
  });

  it('validates an event that follows it and refuses one that does not', () => {
    const validate = new Ajv2020({ strict: true, strictRequired: false }).compile(schema);
    const event = {
      activity_id: 1,
      category_uid: 2,
      class_uid: 2003,
      type_uid: 200301,
      time: 1,
      metadata: { product: { name: 'x' }, version: '1' },
      cloud: { provider: 'AWS' },
    };
    expect(validate(event)).toBe(true);
    expect(validate({ ...event, metadata: { product: { version: '1' }, version: '1' } })).toBe(false);
    expect(validate({ ...event, type_uid: 200302 })).toBe(false);
    expect(validate({ ...event, extra: 1 })).toBe(false);
  });
});
