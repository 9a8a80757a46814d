import { AuditorError } from '../core/errors.js';

/**
 * Runs a read of the state table, turning whatever the SDK throws into an AuditorError that names the
 * table (a person reads "cannot read state table X: AccessDeniedException…", not a stack trace).
 */
export async function reading<T>(tableName: string, read: () => Promise<T>): Promise<T> {
  return translated(`read state table ${tableName}`, read);
}

/** Like `reading`, for writes. */
export async function writing<T>(tableName: string, write: () => Promise<T>): Promise<T> {
  return translated(`write state table ${tableName}`, write);
}

/** Runs `act`; an error other than an AuditorError becomes one saying "cannot <action>: <its message>". */
export async function translated<T>(action: string, act: () => Promise<T>): Promise<T> {
  try {
    return await act();
  } catch (cause) {
    if (cause instanceof AuditorError) throw cause;
    throw new AuditorError(`cannot ${action}: ${(cause as Error).message}`, { cause });
  }
}

/** The error a conditional write throws when its condition did not hold. */
export function conditionFailed(error: unknown): boolean {
  return (error as Error | undefined)?.name === 'ConditionalCheckFailedException';
}
