/**
 * What one doctor check finds: a status, the evidence it read, and the command or console step that
 * fixes it. Checks are data: the run collects them, the renderers print them, the exit code is
 * derived from them alone.
 */

/**
 * `pass` healthy; `warn` works but deserves a look; `fail` a problem that stops alerts or audits;
 * `skip` not configured, nothing to check; `unknown` could not be checked (the evidence says what
 * could not be reached).
 */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip' | 'unknown';

export interface CheckResult {
  /** Stable, for scripts: `schedule`, `email`, `trail:eu-west-1`, `target:111122223333/eu-west-1`, … */
  readonly id: string;
  readonly title: string;
  readonly status: CheckStatus;
  /** What was read, one fact a line (API answers included: rendered escaped). */
  readonly evidence: readonly string[];
  /** The command or console step that fixes it; absent when nothing needs fixing. */
  readonly fix?: string;
}

export const check = (
  id: string,
  title: string,
  status: CheckStatus,
  evidence: readonly string[],
  fix?: string,
): CheckResult => ({ id, title, status, evidence, ...(fix !== undefined ? { fix } : {}) });

/** An SDK error as one line: its name (the AWS error code) and message. */
export function errorLine(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** The AWS error code of an SDK error (its name), or undefined. */
export const errorCode = (error: unknown): string | undefined =>
  error instanceof Error ? error.name : undefined;

/** An error that means the caller may not make the call: the check could not be made, not failed. */
export function isAccessDenied(error: unknown): boolean {
  const code = errorCode(error) ?? '';
  return /AccessDenied|AuthorizationError|UnauthorizedOperation|NotAuthorized/i.test(code);
}

/** Runs one check; any error it throws makes it `unknown`, saying what could not be reached. */
export async function guarded(
  id: string,
  title: string,
  run: () => Promise<CheckResult>,
): Promise<CheckResult> {
  try {
    return await run();
  } catch (error) {
    return check(
      id,
      title,
      'unknown',
      [`could not check: ${errorLine(error)}`],
      'see the README for the IAM policy doctor needs, then run doctor again',
    );
  }
}
