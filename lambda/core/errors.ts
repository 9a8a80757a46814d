/** Named errors, always with a cause where there is one (see shared style). */

import { escapeControlCharacters } from './control-chars.js';

/**
 * Every subclass names itself (`override readonly name = '…'`): the Lambda bundle is minified, so a
 * class's own name would read `gd` in Lambda's errorType and in the reason a failed target records.
 */
export class AuditorError extends Error {
  override name: string = 'AuditorError';
}

/**
 * A policy file is unreadable, invalid, or its rule does not compile. Names the file and the JSON
 * pointer. The message is one line with every control character escaped (`\u001b`): file names,
 * keys and values in it come from the file, which a pull request controls.
 */
export class PolicyError extends AuditorError {
  override readonly name = 'PolicyError';
  readonly file: string;
  readonly pointer: string;
  constructor(file: string, pointer: string, detail: string, options?: { cause?: unknown }) {
    super(escapeControlCharacters(`${file} ${pointer || '/'}: ${detail}`), options);
    this.file = file;
    this.pointer = pointer;
  }
}

/** Several policy problems at once, so a PR author sees them all in one run. */
export class PolicySetError extends AuditorError {
  override readonly name = 'PolicySetError';
  readonly problems: PolicyError[];
  constructor(problems: PolicyError[]) {
    super(
      problems.length === 1
        ? (problems[0]?.message ?? 'invalid policy')
        : `${problems.length} policy problems:\n${problems.map((p) => `  ${p.message}`).join('\n')}`,
    );
    this.problems = problems;
  }
}

/** Bad configuration (environment variable, CLI flag, context key). Names the setting. */
export class ConfigError extends AuditorError {
  override readonly name = 'ConfigError';
  readonly setting: string;
  constructor(setting: string, detail: string) {
    super(`${setting}: ${detail}`);
    this.setting = setting;
  }
}

/** Input data (e.g. a --input rooms file) that cannot be used. */
export class InputError extends AuditorError {
  override readonly name = 'InputError';
}

/** Publishing to SNS failed: the run must fail and state must not advance. */
export class PublishError extends AuditorError {
  override readonly name = 'PublishError';
}

/** A regular expression the linear-time engine (RE2) cannot run, or that is not valid at all. */
export class PatternError extends AuditorError {
  override readonly name = 'PatternError';
  readonly pattern: string;
  readonly reason: string;
  constructor(pattern: string, reason: string, options?: { cause?: unknown }) {
    super(`pattern ${JSON.stringify(pattern)} ${reason}`, options);
    this.pattern = pattern;
    this.reason = reason;
  }
}

/** A room remediation was about to read or write no longer exists (ResourceNotFoundException). */
export class RoomGoneError extends AuditorError {
  override readonly name = 'RoomGoneError';
}

/** An IVS Chat call of remediation failed; the message names the operation, code and endpoint. */
export class RemediationCallError extends AuditorError {
  override readonly name = 'RemediationCallError';
}

/** The remediation trail could not be written: the run stops, since an unrecorded change cannot be undone. */
export class TrailWriteError extends AuditorError {
  override readonly name = 'TrailWriteError';
}
