import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';

const schema = JSON.parse(
  readFileSync(new URL('../../docs/schemas/run-summary.schema.json', import.meta.url), 'utf8'),
) as object;

/** The documented output of the audit function (docs/schemas/run-summary.schema.json). */
export const validateRunSummary = new Ajv2020({ allErrors: true, strict: true }).compile(schema);

/** ajv's errors, readable in a failed assertion. */
export function runSummaryProblems(value: unknown): string[] {
  return validateRunSummary(value)
    ? []
    : (validateRunSummary.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
}
