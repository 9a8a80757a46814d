import { AuditorError } from '../core/errors.js';

/**
 * Runs a read of the state table, turning whatever the SDK throws into an AuditorError that names the
 * table (a person reads "cannot read state table X: AccessDeniedException…", not a stack trace).
 */
export async function reading<T>(tableName: string, read: () => Promise<T>): Promise<T> {
  return translated('read', tableName, read);
}

/** Like `reading`, for writes. */
export async function writing<T>(tableName: string, write: () => Promise<T>): Promise<T> {
  return translated('write', tableName, write);
}

async function translated<T>(verb: string, tableName: string, act: () => Promise<T>): Promise<T> {
  try {
    return await act();
  } catch (cause) {
    if (cause instanceof AuditorError) throw cause;
    throw new AuditorError(`cannot ${verb} state table ${tableName}: ${(cause as Error).message}`, { cause });
  }
}
