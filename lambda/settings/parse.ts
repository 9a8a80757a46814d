/**
 * The one parser of a setting's raw value (a `-c` string, a cdk.json value, an environment variable,
 * a construct prop), shared by the stack and the Lambda so a value one accepts the other does too;
 * and the words that describe what a setting allows, for the docs and the error messages alike.
 */
import type {
  ChoiceSetting,
  FlagSetting,
  ListSetting,
  NumberSetting,
  Parsed,
  Setting,
  SettingValue,
  TextSetting,
} from './types.js';

/**
 * Parses one raw value. Absent or blank means the default. Problems are phrased without the key, so
 * each side prefixes its own name.
 */
export function parseSetting<S extends Setting>(setting: S, raw: unknown): Parsed<SettingValue<S>> {
  const parsed =
    setting.type === 'number'
      ? parseNumber(setting, raw)
      : setting.type === 'list'
        ? parseList(setting, raw)
        : setting.type === 'flag'
          ? parseFlag(setting, raw)
          : setting.type === 'choice'
            ? parseChoice(setting, raw)
            : parseText(setting, raw);
  return parsed as Parsed<SettingValue<S>>;
}

/** The environment-variable form of a parsed value. */
export function formatSetting(value: number | string | boolean | readonly string[]): string {
  return typeof value === 'object' ? value.join(',') : String(value);
}

/** The range of a number setting in words, as both the docs and the error messages say it. */
export function describeRange(setting: NumberSetting): string {
  if (setting.oneOf) return `one of ${setting.oneOf.join(', ')}`;
  return `${setting.integer ? 'a whole number' : 'a number'} between ${setting.min} and ${setting.max}`;
}

/** What a setting allows, in the words of docs/deploy.md's settings table. */
export function describeAllowed(setting: Setting): string {
  switch (setting.type) {
    case 'number':
      return describeRange(setting);
    case 'flag':
      return '`true` or `false`';
    case 'choice': {
      const words = setting.choices.map((choice) => `\`${choice}\``);
      return `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
    }
    default:
      return setting.allowed;
  }
}

function isBlank(raw: unknown): boolean {
  return raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '');
}

function parseNumber(setting: NumberSetting, raw: unknown): Parsed<number> {
  if (isBlank(raw)) return { ok: true, value: setting.default };
  // Plain decimals only: Number() would also take '0x10', '1e3' and ' 4 ' from a typo.
  const value =
    typeof raw === 'number'
      ? raw
      : typeof raw === 'string' && /^\d+(\.\d+)?$/.test(raw.trim())
        ? Number(raw)
        : NaN;
  const inRange =
    Number.isFinite(value) &&
    value >= setting.min &&
    value <= setting.max &&
    (!setting.integer || Number.isInteger(value)) &&
    (!setting.oneOf || setting.oneOf.includes(value));
  if (inRange) return { ok: true, value };
  return { ok: false, problems: [`${show(raw)} must be ${describeRange(setting)}`] };
}

/**
 * The trimmed text of a scalar value, or the problem with a value that is none. cdk.json may hold
 * `true` for a flag where -c passes "true", and a number where -c passes its digits.
 */
function textOf(raw: unknown): Parsed<string> {
  if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
    return { ok: false, problems: [`${show(raw)} must be a string`] };
  }
  return { ok: true, value: String(raw).trim() };
}

/** Parses a scalar value: its text, checked, then converted. */
function parseScalar<T>(
  raw: unknown,
  fallback: T,
  check: (text: string) => string | undefined,
  convert: (text: string) => T,
): Parsed<T> {
  if (isBlank(raw)) return { ok: true, value: fallback };
  const text = textOf(raw);
  if (!text.ok) return text;
  const problem = check(text.value);
  return problem ? { ok: false, problems: [problem] } : { ok: true, value: convert(text.value) };
}

function parseText(setting: TextSetting, raw: unknown): Parsed<string> {
  return parseScalar(raw, setting.default, setting.check, (text) => text);
}

function parseFlag(setting: FlagSetting, raw: unknown): Parsed<boolean> {
  const check = (text: string) =>
    /^(true|false)$/.test(text) ? undefined : `"${text}" must be true or false`;
  return parseScalar(raw, setting.default, check, (text) => text === 'true');
}

function parseChoice<C extends string>(setting: ChoiceSetting<C>, raw: unknown): Parsed<C> {
  const choices: readonly string[] = setting.choices;
  const check = (text: string) =>
    choices.includes(text) ? undefined : `"${text}" must be one of ${choices.join(', ')}`;
  return parseScalar(raw, setting.default, check, (text) => text as C);
}

function parseList(setting: ListSetting, raw: unknown): Parsed<string[]> {
  if (isBlank(raw)) return { ok: true, value: [...setting.default] };
  const items = Array.isArray(raw) ? raw.map((item) => String(item)) : String(raw).split(',');
  const value = [...new Set(items.map((item) => item.trim()).filter((item) => item.length > 0))];
  const problems = value.map(setting.checkItem).filter((p): p is string => p !== undefined);
  const listProblem = problems.length === 0 ? setting.checkList?.(value) : undefined;
  if (listProblem) problems.push(listProblem);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value };
}

function show(raw: unknown): string {
  return typeof raw === 'string' ? `"${raw}"` : (JSON.stringify(raw) ?? String(raw));
}
