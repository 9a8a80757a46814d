import { Ajv2020 } from 'ajv/dist/2020.js';
import ajvErrors from 'ajv-errors';
import ajvFormats from 'ajv-formats';

/**
 * The ajv instance that compiles policy rules: draft 2020-12, all errors (so one run reports every
 * broken field), formats, and ajv-errors' `errorMessage` for custom messages.
 * Strict schema mode stays on: a misspelt keyword in a rule is a compile error, not a silently ignored check.
 */
export function createRuleAjv(): Ajv2020 {
  // Type/required strictness is off: `{ "maximum": 200 }` without `"type": "number"` is a fine rule to write.
  const ajv = new Ajv2020({
    allErrors: true,
    strict: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    allowUnionTypes: true,
  });
  ajvFormats.default(ajv);
  ajvErrors.default(ajv);
  return ajv;
}

/** The ajv instance that validates policy files against policies/policy.schema.json. */
export function createPolicyFileAjv(): Ajv2020 {
  return new Ajv2020({ allErrors: true, strict: false });
}
