/**
 * The CLI's options as data: the shape of one option or positional argument (`InputSpec`), the
 * options several commands share (`SHARED_OPTIONS`, each with its one parser and default), and the
 * loop that declares a command's inputs to commander. A flag that is also a deployment setting is
 * read by that setting's rule from `settings/table.ts`, so the CLI and the stack agree on it.
 */
import { Argument, type Command, InvalidArgumentError, Option } from 'commander';
import { SEVERITIES, type Severity } from '../core/types.js';
import { describeRange, parseSetting } from '../settings/parse.js';
import { SETTINGS } from '../settings/table.js';
import type { NumberSetting } from '../settings/types.js';
import { DEFAULT_TIMEOUT_SECONDS } from './live-flags.js';
import type { DefaultPoliciesDir } from './policies-dir.js';
import { REPORT_FORMATS, type ReportFormat } from './report-output.js';

/** One option of a command, as commander declares it. */
export interface OptionSpec<T> {
  readonly kind: 'option';
  /** commander's flags: `-r, --region <region>`; the long name must be the flags field it fills. */
  readonly flags: string;
  readonly description: string;
  /** Reads one occurrence; `previous` is the value so far (the default, or the last occurrence's). */
  parse?(raw: string, previous: T): T;
  readonly default?: T;
  /** Shown by --help in place of the default value itself. */
  readonly defaultDescription?: string;
  readonly choices?: readonly string[];
  /** The command refuses to run without it. */
  readonly required?: boolean;
}

/** A positional argument of a command: `[dir]`. */
export interface ArgumentSpec<T> {
  readonly kind: 'argument';
  readonly name: string;
  readonly description: string;
  readonly default?: T;
  readonly defaultDescription?: string;
}

export type InputSpec<T> = OptionSpec<T> | ArgumentSpec<T>;

/**
 * Every input of a command, one entry per field of its flags and typed by it, in --help's order.
 * The positional arguments come first in commander's action; they are listed by `kind`.
 */
export type CommandInputs<Flags> = { readonly [K in keyof Flags]-?: InputSpec<Flags[K]> };

/** A shared option before a command gives it its words (a description of its own, or the table's). */
type SharedOption<T> = Omit<OptionSpec<T>, 'kind' | 'description'> & { readonly description?: string };

const shared = <T>(spec: SharedOption<T>): SharedOption<T> => spec;

/** `--api-budget`'s description where a command has no words of its own for it. */
export const API_BUDGET_HELP =
  `client-side calls per second per region and operation, ${describeRange(SETTINGS.apiBudgetTps)} ` +
  '(the IVS Chat quota, shared with your application); above it only with --endpoint';

/** What `audit --help` and `export-rooms --help` say about how long a live run takes. */
export const HOW_LONG =
  'How long: a live run fetches every room with GetRoom at --api-budget calls per second, regions in\n' +
  'parallel, so it needs about (rooms in the largest region) ÷ --api-budget seconds: 10,000 rooms at\n' +
  `the default ${SETTINGS.apiBudgetTps.default}/s take ${10_000 / SETTINGS.apiBudgetTps.default} s. Raise --timeout (default ${DEFAULT_TIMEOUT_SECONDS} s) to fit.`;

/**
 * The options more than one command takes, and those that are deployment settings: each declared
 * once, with its parser and default. A command gives each its own description (what the flag means
 * there) unless the table's fits.
 */
export const SHARED_OPTIONS = {
  region: shared<string[]>({ flags: '-r, --region <region>', parse: collect, default: [] }),
  policies: shared<string>({ flags: '-p, --policies <dir>', description: 'policy folder' }),
  policy: shared<string[]>({ flags: '--policy <id>', parse: collect, default: [] }),
  skipPolicy: shared<string[]>({ flags: '--skip-policy <id>', parse: collect, default: [] }),
  input: shared<string>({ flags: '-i, --input <rooms.json>' }),
  account: shared<string[]>({ flags: '--account <id>', parse: collect, default: [] }),
  endpoint: shared<string>({
    flags: '--endpoint <url>',
    description: 'AWS endpoint override, e.g. the local emulator http://127.0.0.1:4566',
  }),
  apiBudget: shared<number>({
    flags: '--api-budget <tps>',
    description: API_BUDGET_HELP,
    parse: apiBudgetArgument,
    default: SETTINGS.apiBudgetTps.default,
  }),
  timeout: shared<number>({
    flags: '--timeout <seconds>',
    parse: positiveNumber,
    default: DEFAULT_TIMEOUT_SECONDS,
  }),
  renotifyAfterHours: shared<number>({
    flags: '--renotify-after-hours <hours>',
    parse: settingArgument(SETTINGS.renotifyAfterHours),
    default: SETTINGS.renotifyAfterHours.default,
  }),
  fullRefreshHours: shared<number>({
    flags: '--full-refresh-hours <hours>',
    parse: settingArgument(SETTINGS.fullRefreshHours),
    default: SETTINGS.fullRefreshHours.default,
  }),
  // The guards' defaults are the deployed auditor's. Their rules are the CLI's own: --max-changes has
  // no upper bound here (the setting stops at 1000), and --max-percent is checked, with the
  // setting's range, once the flags are read (remediate's checkFlags), so its message names the flag.
  maxChanges: shared<number>({
    flags: '--max-changes <n>',
    parse: wholeNumber,
    default: SETTINGS.remediationMaxChanges.default,
  }),
  maxPercent: shared<number>({
    flags: '--max-percent <p>',
    parse: Number,
    default: SETTINGS.remediationMaxPercent.default,
  }),
  // The report's format and exit rule: `audit` and `template` write the same reports.
  format: shared<ReportFormat>({
    flags: '-f, --format <format>',
    description: 'output format',
    choices: REPORT_FORMATS,
    default: 'text',
  }),
  failOn: shared<Severity | 'none'>({
    flags: '--fail-on <severity>',
    description: 'exit 1 when a finding is at or above this severity; none: never exit 1 for findings',
    choices: [...SEVERITIES, 'none'],
    default: 'info',
  }),
} as const;

type SharedName = keyof typeof SHARED_OPTIONS;
type SharedValue<K extends SharedName> = (typeof SHARED_OPTIONS)[K] extends SharedOption<infer T> ? T : never;

/** A shared option as one command declares it: its own description, and any default of its own. */
export function option<K extends SharedName>(
  name: K,
  description?: string,
  overrides: Pick<OptionSpec<SharedValue<K>>, 'default' | 'defaultDescription' | 'required'> = {},
): OptionSpec<SharedValue<K>> {
  const spec = SHARED_OPTIONS[name] as SharedOption<SharedValue<K>>;
  const words = description ?? spec.description;
  if (words === undefined) throw new Error(`option ${name} needs a description`);
  return { ...spec, ...overrides, kind: 'option', description: words };
}

/** The `[dir]` argument of `policies check` and `policies test`. */
export function policiesDirArgument(policiesDefault: DefaultPoliciesDir): ArgumentSpec<string> {
  return {
    kind: 'argument',
    name: '[dir]',
    description:
      "policy folder, or a git ref (a pull request's head) whose copy of the default policy folder is read with git",
    default: policiesDefault.dir,
    defaultDescription: policiesDefault.description,
  };
}

/** An option only one command takes. */
export function ownOption<T>(
  flags: string,
  description: string,
  rest: Omit<OptionSpec<T>, 'kind' | 'flags' | 'description'> = {},
): OptionSpec<T> {
  return { ...rest, kind: 'option', flags, description };
}

/** Declares a command's inputs to commander, in the table's order (the order --help lists them in). */
export function addInputs(command: Command, inputs: Readonly<Record<string, InputSpec<unknown>>>): void {
  for (const [key, spec] of Object.entries(inputs)) {
    if (spec.kind === 'argument') {
      const argument = new Argument(spec.name, spec.description);
      if (spec.default !== undefined) argument.default(spec.default, spec.defaultDescription);
      command.addArgument(argument);
      continue;
    }
    const declared = new Option(spec.flags, spec.description);
    // The flags object commander fills is typed by the table's keys: a key that is not the option's
    // name would leave its field empty, silently.
    if (declared.attributeName() !== key) {
      throw new Error(`${command.name()}: option ${spec.flags} is filed under "${key}"`);
    }
    if (spec.choices) declared.choices(spec.choices);
    if (spec.parse) declared.argParser(spec.parse);
    // A list default is copied: the table is shared by every run in the process, and commander
    // hands the default itself to the command.
    const value = Array.isArray(spec.default) ? [...spec.default] : spec.default;
    if (value !== undefined) declared.default(value, spec.defaultDescription);
    if (spec.required) declared.makeOptionMandatory();
    command.addOption(declared);
  }
}

/** The names of a command's positional arguments, in order: commander hands their values first. */
export function argumentNames(inputs: Readonly<Record<string, InputSpec<unknown>>>): string[] {
  return Object.entries(inputs)
    .filter(([, spec]) => spec.kind === 'argument')
    .map(([key]) => key);
}

/** A repeatable option's values, in the order given. */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError(`expected a positive number, got "${value}"`);
  return n;
}

/** Digits only: `Number()` would also take '1e3', '0x10', ' 4 ' and '' (0) from a typo. */
export function wholeNumber(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`expected a whole number ≥ 0, got "${value}"`);
  return Number(value);
}

/**
 * --api-budget is read by the deployed setting's rule, except that a budget above the IVS Chat
 * quota passes here: it is allowed against an --endpoint, which liveSettings checks.
 */
function apiBudgetArgument(raw: string): number {
  const setting = SETTINGS.apiBudgetTps;
  const parsed = parseSetting(setting, raw);
  if (parsed.ok) return parsed.value;
  const aboveQuota = parseSetting({ ...setting, max: Number.MAX_SAFE_INTEGER }, raw);
  if (aboveQuota.ok) return aboveQuota.value;
  throw new InvalidArgumentError(parsed.problems.join('; '));
}

/** A flag that is also a deployment setting is read with the same rules as the stack and the Lambda. */
function settingArgument(setting: NumberSetting): (raw: string) => number {
  return (raw) => {
    const parsed = parseSetting(setting, raw);
    if (!parsed.ok) throw new InvalidArgumentError(parsed.problems.join('; '));
    return parsed.value;
  };
}
