import { Ajv2020 } from 'ajv/dist/2020.js';
import ajvErrors from 'ajv-errors';
import ajvFormats from 'ajv-formats';
import { isLinearPattern, linearRegExp } from './regex.js';

/**
 * The ajv instance that compiles policy rules: draft 2020-12, all errors (so one run reports every
 * broken field), formats, and ajv-errors' `errorMessage` for custom messages.
 * Strict schema mode stays on: a misspelt keyword in a rule is a compile error, not a silently ignored check.
 * Every pattern (`pattern`, `patternProperties`, `format: "regex"`) runs on RE2, in time linear in
 * the input, so a policy cannot make an audit hang on a crafted tag value (see regex.ts).
 * `$data` is on so a rule can compare two fields of a room: `{ "const": { "$data": "/accountId" } }`.
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
    $data: true,
    code: { regExp: linearRegExp },
  });
  ajvFormats.default(ajv);
  // ajv-formats checks "regex" with `new RegExp`; a pattern is only usable here if RE2 runs it.
  ajv.addFormat('regex', { type: 'string', validate: isLinearPattern });
  ajvErrors.default(ajv);
  return ajv;
}

/**
 * The ajv instance that validates policy files against policies/policy.schema.json. The schema's
 * `errorMessage`s (ajv-errors) say in words what a pattern means; `verbose` keeps the offending
 * value, which the message quotes.
 */
export function createPolicyFileAjv(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: false, verbose: true, code: { regExp: linearRegExp } });
  ajvErrors.default(ajv);
  return ajv;
}
