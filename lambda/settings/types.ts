/**
 * The shapes of a setting (`lambda/settings/table.ts` holds the settings themselves) and of the value
 * each shape parses to. A `flag` parses to a boolean and a `choice` to the union of its choices, so
 * neither travels as a string past the parser.
 */

interface SettingBase {
  /** The function's environment variable; absent when only the stack uses the setting. */
  readonly envVar?: string;
  /**
   * The variable is set only when the value is not the default (the function reads an absent one as
   * the default): a deployment that leaves the setting alone keeps the template it had before the
   * setting existed.
   */
  readonly envOnlyWhenSet?: true;
  /** One line for docs/deploy.md. */
  readonly doc: string;
}

export interface NumberSetting extends SettingBase {
  readonly type: 'number';
  readonly integer: boolean;
  /** Inclusive bounds. */
  readonly min: number;
  readonly max: number;
  readonly default: number;
  /** When only some values of the range are valid (a service's fixed list), those values. */
  readonly oneOf?: readonly number[];
}

export interface TextSetting extends SettingBase {
  readonly type: 'text';
  readonly default: string;
  /** What a valid value looks like, for the docs. */
  readonly allowed: string;
  /** Why a non-empty value is invalid, or undefined. */
  readonly check: (value: string) => string | undefined;
}

/** `true` or `false`: a string from `-c` or the environment, a JSON boolean from cdk.json. */
export interface FlagSetting extends SettingBase {
  readonly type: 'flag';
  readonly default: boolean;
}

/** One of a fixed list of words; the list is the only place the words are spelled. */
export interface ChoiceSetting<C extends string = string> extends SettingBase {
  readonly type: 'choice';
  readonly choices: readonly C[];
  readonly default: C;
}

/** A comma list (`-c`, environment) or a JSON array (`cdk.json`); blanks dropped, duplicates merged. */
export interface ListSetting extends SettingBase {
  readonly type: 'list';
  readonly default: readonly string[];
  readonly allowed: string;
  readonly checkItem: (item: string) => string | undefined;
  /** Why the items, each valid, do not go together; undefined when they do. */
  readonly checkList?: (items: readonly string[]) => string | undefined;
}

export type Setting = NumberSetting | TextSetting | FlagSetting | ChoiceSetting | ListSetting;

/** What a setting parses to. */
export type SettingValue<S extends Setting> = S extends NumberSetting
  ? number
  : S extends ListSetting
    ? string[]
    : S extends FlagSetting
      ? boolean
      : S extends { readonly type: 'choice'; readonly choices: readonly (infer C)[] }
        ? C
        : string;

export type Parsed<T> = { ok: true; value: T } | { ok: false; problems: string[] };
