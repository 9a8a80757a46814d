import type { ErrorObject, ValidateFunction } from 'ajv';
import { escapeControlCharacters } from '../core/control-chars.js';
import { PolicyError, PolicySetError } from '../core/errors.js';
import { EMPTY_FILE, isEmptyText } from '../core/file-problem.js';
import { FIX_FIELDS } from '../core/fix.js';
import { truncate } from '../core/truncate.js';
import { type Exemption, type PolicyFile, type RoomDocument, SEVERITIES } from '../core/types.js';
import { createPolicyFileAjv, createRuleAjv } from './ajv.js';
import {
  checkExemptionDates,
  controlCharacterProblems,
  type ExemptionCheckOptions,
  unknownPlaceholders,
} from './file-checks.js';
import { type SchemaProblem, unknownKeywords, unrunnablePatterns } from './rule-checks.js';

/** A policy ready to evaluate: its file plus compiled validators. Built once, at start-up. */
export interface CompiledPolicy {
  file: string;
  policy: PolicyFile;
  rule: ValidateFunction<RoomDocument>;
  appliesTo?: ValidateFunction<RoomDocument>;
  regions?: ReadonlySet<string>;
  /** room ARN → the exemptions listing it (a renewal may add a second entry). */
  exemptions: ReadonlyMap<string, readonly Exemption[]>;
}

export interface PolicySource {
  /** Shown in messages, e.g. `policies/message-length-max.json`. */
  file: string;
  text: string;
}

/** Something in a policy file worth fixing that does not stop it loading (an expired exemption). */
export interface PolicyWarning {
  file: string;
  pointer: string;
  /** `<file> <pointer>: <detail>`, like a PolicyError's message. */
  message: string;
}

/** `now` (ISO 8601) turns on the exemption date limits; callers with a clock pass it. */
export type CompileOptions = ExemptionCheckOptions;

export interface CompiledPolicySet {
  policies: CompiledPolicy[];
  warnings: PolicyWarning[];
}

/** compilePolicySet without the warnings. */
export function compilePolicies(
  sources: PolicySource[],
  policyFileSchema: object,
  options: CompileOptions = {},
): CompiledPolicy[] {
  return compilePolicySet(sources, policyFileSchema, options).policies;
}

/**
 * Parses, validates and compiles a set of policy files. Pure: file contents (and the time) in,
 * validators out. Every problem in every file is collected, then thrown together as a PolicySetError.
 * Only compiles: the loader (policy/load-dir.ts) proves the fixes of a set that compiled.
 */
export function compilePolicySet(
  sources: PolicySource[],
  policyFileSchema: object,
  options: CompileOptions = {},
): CompiledPolicySet {
  const fileAjv = createPolicyFileAjv();
  const validateFile = fileAjv.compile<PolicyFile>(policyFileSchema);
  const ruleAjv = createRuleAjv();
  const problems: PolicyError[] = [];
  const warnings: PolicyWarning[] = [];
  const compiled: CompiledPolicy[] = [];
  const seenIds = new Map<string, string>();

  for (const source of sources) {
    const parsed = parsePolicyJson(source);
    const hostile = controlCharacterProblems(source.file, parsed instanceof PolicyError ? undefined : parsed);
    if (hostile.length > 0) {
      // Nothing else of such a file is worth reporting: its other messages would quote the same names.
      problems.push(...hostile.map((p) => new PolicyError(source.file, p.pointer, p.detail)));
      continue;
    }
    if (parsed instanceof PolicyError) {
      problems.push(parsed);
      continue;
    }
    if (!validateFile(parsed)) {
      problems.push(...(validateFile.errors ?? []).map((e) => schemaProblem(source.file, e)));
      continue;
    }
    const policy = parsed;
    // Renderers print the severity as a word of their own; the schema says so too, but the code does
    // not rest on a schema file for what reaches a pull-request comment.
    if (!(SEVERITIES as readonly unknown[]).includes(policy.severity)) {
      problems.push(new PolicyError(source.file, '/severity', `must be one of ${SEVERITIES.join(', ')}`));
      continue;
    }
    const expectedId = baseName(source.file);
    if (policy.id !== expectedId) {
      problems.push(
        new PolicyError(source.file, '/id', `id "${policy.id}" must equal the file name "${expectedId}"`),
      );
    }
    const firstFile = seenIds.get(policy.id);
    if (firstFile) {
      problems.push(
        new PolicyError(source.file, '/id', `duplicate id "${policy.id}" (also in ${firstFile})`),
      );
    } else {
      seenIds.set(policy.id, source.file);
    }
    const dates = checkExemptionDates(policy, options);
    const fileProblems = [...unknownPlaceholders(policy), ...dates.problems];
    problems.push(...fileProblems.map((p) => new PolicyError(source.file, p.pointer, p.detail)));
    warnings.push(...dates.warnings.map((w) => warning(source.file, w)));

    const rule = compileSchema(ruleAjv, source.file, '/rule', policy.rule, problems);
    const appliesTo =
      policy.appliesTo === undefined
        ? undefined
        : compileSchema(ruleAjv, source.file, '/appliesTo', policy.appliesTo, problems);
    if (!rule || (policy.appliesTo !== undefined && !appliesTo)) continue;

    const exemptions = new Map<string, Exemption[]>();
    for (const exemption of policy.exemptions ?? []) {
      for (const arn of exemption.rooms) exemptions.set(arn, [...(exemptions.get(arn) ?? []), exemption]);
    }
    compiled.push({
      file: source.file,
      policy,
      rule,
      ...(appliesTo ? { appliesTo } : {}),
      ...(policy.regions ? { regions: new Set(policy.regions) } : {}),
      exemptions,
    });
  }
  if (problems.length > 0) throw new PolicySetError(problems);
  return { policies: compiled.sort((a, b) => a.policy.id.localeCompare(b.policy.id)), warnings };
}

function warning(file: string, { pointer, detail }: SchemaProblem): PolicyWarning {
  return { file, pointer, message: `${file} ${pointer}: ${detail}` };
}

/** The file's JSON, or a PolicyError saying why it is not (`emptyHint` says what the file should hold). */
export function parsePolicyJson(
  source: PolicySource,
  emptyHint = 'a policy file holds one JSON object',
): unknown {
  if (isEmptyText(source.text)) {
    return new PolicyError(source.file, '', `${EMPTY_FILE}: ${emptyHint}`);
  }
  try {
    return JSON.parse(source.text);
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    return new PolicyError(source.file, '', `invalid JSON: ${detail}${lineHint(source.text, detail)}`, {
      cause,
    });
  }
}

/** V8 reports "at position N"; people read lines. */
function lineHint(text: string, detail: string): string {
  const match = /position (\d+)/.exec(detail);
  if (!match) return '';
  const before = text.slice(0, Number(match[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return ` (line ${line}, column ${column})`;
}

/** One ajv error of a file's validation as a PolicyError naming its JSON pointer. */
export function schemaProblem(file: string, error: ErrorObject, kind = 'a policy file'): PolicyError {
  const params = error.params as Record<string, unknown>;
  let pointer = error.instancePath;
  let detail = error.message ?? error.keyword;
  if (error.keyword === 'required') pointer = `${pointer}/${String(params.missingProperty)}`;
  if (error.keyword === 'additionalProperties') {
    pointer = `${pointer}/${String(params.additionalProperty)}`;
    detail = /^\/fix\/set$/.test(error.instancePath)
      ? `not a field UpdateRoom sets (allowed: ${FIX_FIELDS.join(', ')})`
      : `unknown property (not allowed in ${kind})`;
  }
  if (error.keyword === 'enum') detail = `must be one of ${(params.allowedValues as unknown[]).join(', ')}`;
  // The policy schema's own words for a value it refuses (`"31.12.2026" is not a date written …`).
  if (error.keyword === 'errorMessage' && typeof error.data === 'string') {
    detail = `${JSON.stringify(clipValue(error.data))} ${detail}`;
  }
  return new PolicyError(file, visiblePointer(pointer), detail);
}

/** At most 80 characters of the value and `…` (never half an emoji: it would print as `\ud83d`). */
function clipValue(text: string): string {
  return truncate(text, 81);
}

/**
 * A pointer names a key the file's author chose; a control character in it is shown as `\u001b`,
 * so the message names the key without the key acting on the terminal or the CI log printing it.
 */
function visiblePointer(pointer: string): string {
  return escapeControlCharacters(pointer);
}

function compileSchema(
  ajv: ReturnType<typeof createRuleAjv>,
  file: string,
  pointer: string,
  schema: object | boolean,
  problems: PolicyError[],
): ValidateFunction<RoomDocument> | undefined {
  // Patterns and keywords first, together: the meta-schema's `format: "regex"` would refuse a pattern
  // without the reason, and a user fixing a pattern should learn of a misspelt keyword in the same run.
  const structural = [
    ...unrunnablePatterns(schema, pointer),
    ...unknownKeywords(schema, pointer, ajv.RULES.keywords),
  ];
  if (structural.length > 0) {
    problems.push(...structural.map((p) => new PolicyError(file, p.pointer, p.detail)));
    return undefined;
  }
  if (!ajv.validateSchema(schema)) {
    for (const e of ajv.errors ?? []) {
      problems.push(
        new PolicyError(file, `${pointer}${e.instancePath}`, `not a valid JSON Schema: ${e.message}`),
      );
    }
    return undefined;
  }
  try {
    return ajv.compile<RoomDocument>(schema);
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    problems.push(new PolicyError(file, pointer, `does not compile: ${detail}`, { cause }));
    return undefined;
  }
}

function baseName(file: string): string {
  const name = file.split(/[\\/]/).pop() ?? file;
  return name.replace(/\.json$/, '');
}
