/** Named errors, always with a cause where there is one (see shared style). */

export class AuditorError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A policy file is unreadable, invalid, or its rule does not compile. Names the file and the JSON pointer. */
export class PolicyError extends AuditorError {
  readonly file: string;
  readonly pointer: string;
  constructor(file: string, pointer: string, detail: string, options?: { cause?: unknown }) {
    super(`${file} ${pointer || '/'}: ${detail}`, options);
    this.file = file;
    this.pointer = pointer;
  }
}

/** Several policy problems at once, so a PR author sees them all in one run. */
export class PolicySetError extends AuditorError {
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
  readonly setting: string;
  constructor(setting: string, detail: string) {
    super(`${setting}: ${detail}`);
    this.setting = setting;
  }
}

/** Input data (e.g. a --input rooms file) that cannot be used. */
export class InputError extends AuditorError {}

/** Publishing to SNS failed: the run must fail and state must not advance. */
export class PublishError extends AuditorError {}

/** A regular expression the linear-time engine (RE2) cannot run, or that is not valid at all. */
export class PatternError extends AuditorError {
  readonly pattern: string;
  readonly reason: string;
  constructor(pattern: string, reason: string, options?: { cause?: unknown }) {
    super(`pattern ${JSON.stringify(pattern)} ${reason}`, options);
    this.pattern = pattern;
    this.reason = reason;
  }
}

/** A room remediation was about to read or write no longer exists (ResourceNotFoundException). */
export class RoomGoneError extends AuditorError {}

/** An IVS Chat call of remediation failed; the message names the operation, code and endpoint. */
export class RemediationCallError extends AuditorError {}

/** The remediation trail could not be written: the run stops, since an unrecorded change cannot be undone. */
export class TrailWriteError extends AuditorError {}
