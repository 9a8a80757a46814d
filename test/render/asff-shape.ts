import { readFileSync } from 'node:fs';

/**
 * The Security Hub service model's `AwsSecurityFinding` and `BatchImportFindings` shapes
 * (test/render/fixtures/asff-model.json, extracted from botocore's model) plus the ASFF user guide's
 * length limits, as a checker: every problem as "<path>: <what>", none for a valid value.
 */
interface Shape {
  type: string;
  required?: string[];
  members?: Record<string, { shape: string }>;
  member?: { shape: string };
  key?: { shape: string };
  value?: { shape: string };
  enum?: string[];
  pattern?: string;
  min?: number;
  max?: number;
}

const model = JSON.parse(
  readFileSync(new URL('./fixtures/asff-model.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;
export const ASFF_DOCUMENTED_LIMITS = model._limits as Record<string, number>;
const shapes = model as Record<string, Shape>;

export function shapeProblems(value: unknown, shapeName: string, path = ''): string[] {
  const shape = shapes[shapeName];
  if (!shape)
    return [`${path}: shape ${shapeName} is not one the fixture extracted (not written by the auditor)`];
  const problems: string[] = [];
  switch (shape.type) {
    case 'structure': {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        return [`${path}: not an object`];
      const record = value as Record<string, unknown>;
      for (const name of shape.required ?? []) {
        if (record[name] === undefined) problems.push(`${path}/${name}: required`);
      }
      for (const [name, member] of Object.entries(record)) {
        const ref = shape.members?.[name];
        if (!ref) problems.push(`${path}/${name}: not a member of ${shapeName}`);
        else problems.push(...shapeProblems(member, ref.shape, `${path}/${name}`));
      }
      break;
    }
    case 'list':
      if (!Array.isArray(value)) return [`${path}: not a list`];
      if (shape.min !== undefined && value.length < shape.min)
        problems.push(`${path}: fewer than ${shape.min}`);
      if (shape.max !== undefined && value.length > shape.max)
        problems.push(`${path}: more than ${shape.max}`);
      value.forEach((item, i) => {
        problems.push(...shapeProblems(item, shape.member?.shape ?? '', `${path}/${i}`));
      });
      break;
    case 'map':
      if (typeof value !== 'object' || value === null) return [`${path}: not a map`];
      for (const [k, v] of Object.entries(value)) {
        problems.push(...shapeProblems(k, shape.key?.shape ?? '', `${path}/${k} (key)`));
        problems.push(...shapeProblems(v, shape.value?.shape ?? '', `${path}/${k}`));
      }
      break;
    case 'string':
      if (typeof value !== 'string') return [`${path}: not a string`];
      if (shape.enum && !shape.enum.includes(value))
        problems.push(`${path}: ${value} is not one of ${shape.enum}`);
      if (shape.pattern && !new RegExp(`^(?:${shape.pattern})$`, 's').test(value))
        problems.push(`${path}: does not match ${shape.pattern}`);
      break;
    case 'integer':
    case 'double':
      if (typeof value !== 'number') problems.push(`${path}: not a number`);
      break;
    case 'boolean':
      if (typeof value !== 'boolean') problems.push(`${path}: not a boolean`);
      break;
    default:
      problems.push(`${path}: unchecked type ${shape.type}`);
  }
  return problems;
}

/** The documented limits the model does not carry. */
export function limitProblems(finding: Record<string, unknown>): string[] {
  const L = ASFF_DOCUMENTED_LIMITS;
  const f = finding as {
    Id: string;
    GeneratorId: string;
    Title: string;
    Description: string;
    Remediation?: { Recommendation?: { Text?: string } };
    ProductFields?: Record<string, string>;
    Resources: { Details?: { Other?: Record<string, string> } }[];
    Types?: string[];
  };
  const problems: string[] = [];
  const max = (what: string, n: number, limit: number | undefined) => {
    if (limit !== undefined && n > limit) problems.push(`${what}: ${n} > ${limit}`);
  };
  max('Id', f.Id.length, L.Id);
  max('GeneratorId', f.GeneratorId.length, L.GeneratorId);
  max('Title', f.Title.length, L.Title);
  max('Description', f.Description.length, L.Description);
  max(
    'Remediation.Recommendation.Text',
    f.Remediation?.Recommendation?.Text?.length ?? 0,
    L['Remediation.Recommendation.Text'],
  );
  const fields = Object.entries(f.ProductFields ?? {});
  max('ProductFields', fields.length, L['ProductFields.entries']);
  for (const [k, v] of fields) {
    max(`ProductFields key ${k}`, k.length, L['ProductFields.key']);
    max(`ProductFields/${k}`, v.length, L['ProductFields.value']);
  }
  max('Resources', f.Resources.length, L['Resources.items']);
  for (const r of f.Resources) {
    const other = Object.entries(r.Details?.Other ?? {});
    max('Details.Other', other.length, L['Resources.Details.Other.entries']);
    for (const [k, v] of other) {
      max(`Details.Other key ${k}`, k.length, L['Resources.Details.Other.key']);
      max(`Details.Other/${k}`, v.length, L['Resources.Details.Other.value']);
    }
  }
  max('Types', f.Types?.length ?? 0, L['Types.items']);
  max('bytes', Buffer.byteLength(JSON.stringify(finding)), L.findingBytes);
  return problems;
}
