/**
 * What IVS Chat operations share: the error shapes of the service model (ivschat 2020-07-14) and
 * field validation with the wording of the real service.
 */
import { json, type LocalResponse } from './http.js';

/** The model's RoomArn/RoomIdentifier pattern: the id may hold `-`, though the service mints none. */
export const ROOM_ARN = /^arn:aws:ivschat:([a-z0-9-]+):([0-9]+):room\/([a-zA-Z0-9-]+)$/;
// The model's ResourceArn pattern has `[a-z-]` (one character) before the slash, which no real ARN
// matches; the service accepts room and logging-configuration ARNs, so this takes `[a-z-]+`.
export const RESOURCE_ARN = /^arn:aws:ivschat:[a-z0-9-]+:[0-9]+:[a-z-]+\/[a-zA-Z0-9-]+$/;
export const LOGGING_ARN = /^arn:aws:ivschat:([a-z0-9-]+):([0-9]+):logging-configuration\/([a-zA-Z0-9-]+)$/;
/** The model's ResourceType enum has one value; every resource error carries it. */
export const RESOURCE_TYPE = 'ROOM';
/** A room may name at most this many logging configurations (LoggingConfigurationIdentifierList max). */
export const MAX_LOGGING_CONFIGURATIONS_PER_ROOM = 3;

/** An error exactly as IVS Chat sends it: status, `x-amzn-ErrorType`, JSON body. */
export function ivschatError(status: number, type: string, body: Record<string, unknown>): LocalResponse {
  return json(status, body, { 'x-amzn-errortype': type });
}

export class ServiceError extends Error {
  constructor(readonly response: LocalResponse) {
    super(String(response.status));
  }
}

interface FieldError {
  name: string;
  message: string;
}

function validationError(fields: FieldError[]): ServiceError {
  const message =
    fields.length === 1 && fields[0]
      ? `1 validation error detected: ${fields[0].message}`
      : `${fields.length} validation errors detected: ${fields.map((f) => f.message).join('; ')}`;
  return new ServiceError(
    ivschatError(400, 'ValidationException', {
      message,
      reason: 'FIELD_VALIDATION_FAILED',
      fieldList: fields,
    }),
  );
}

export function otherValidationError(message: string): ServiceError {
  return new ServiceError(ivschatError(400, 'ValidationException', { message, reason: 'OTHER' }));
}

/** The id after the last `/` of an ARN (ResourceId is `[a-zA-Z0-9]+`, never the ARN). */
export function bareId(identifier: string): string {
  return identifier.slice(identifier.lastIndexOf('/') + 1);
}

export function notFound(identifier: string): ServiceError {
  return new ServiceError(
    ivschatError(404, 'ResourceNotFoundException', {
      message: `Resource not found: ${identifier}`,
      resourceId: bareId(identifier),
      resourceType: RESOURCE_TYPE,
    }),
  );
}

export function conflict(identifier: string, message: string): ServiceError {
  return new ServiceError(
    ivschatError(409, 'ConflictException', {
      message,
      resourceId: bareId(identifier),
      resourceType: RESOURCE_TYPE,
    }),
  );
}

/** ThrottlingException with every member the model requires. */
export function throttlingError(limit: number, resourceId: string): LocalResponse {
  return ivschatError(429, 'ThrottlingException', {
    message: 'Rate exceeded',
    limit,
    resourceId,
    resourceType: RESOURCE_TYPE,
  });
}

export type Input = Record<string, unknown>;

/** Collects field errors with the wording of the real service; all of them are reported together. */
export class Checker {
  readonly errors: FieldError[] = [];
  fail(name: string, value: unknown, constraint: string): void {
    const shown = typeof value === 'string' ? value : JSON.stringify(value);
    this.errors.push({
      name,
      message: `Value '${shown}' at '${name}' failed to satisfy constraint: ${constraint}`,
    });
  }
  required(name: string, value: unknown): boolean {
    if (value === undefined || value === null) {
      this.fail(name, null, 'Member must not be null');
      return false;
    }
    return true;
  }
  string(
    name: string,
    value: unknown,
    opts: { min?: number; max?: number; pattern?: RegExp },
  ): value is string {
    if (typeof value !== 'string') {
      this.fail(name, value, 'Member must be a string');
      return false;
    }
    if (opts.min !== undefined && value.length < opts.min) {
      this.fail(name, value, `Member must have length greater than or equal to ${opts.min}`);
    } else if (opts.max !== undefined && value.length > opts.max) {
      this.fail(name, value, `Member must have length less than or equal to ${opts.max}`);
    } else if (opts.pattern && !opts.pattern.test(value)) {
      this.fail(name, value, `Member must satisfy regular expression pattern: ${opts.pattern.source}`);
    } else {
      return true;
    }
    return false;
  }
  int(name: string, value: unknown, min: number, max: number): void {
    if (typeof value !== 'number' || !Number.isInteger(value))
      this.fail(name, value, 'Member must be an integer');
    else if (value < min) this.fail(name, value, `Member must have value greater than or equal to ${min}`);
    else if (value > max) this.fail(name, value, `Member must have value less than or equal to ${max}`);
  }
  structure(name: string, value: unknown): value is Input {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.fail(name, value, 'Member must be a structure');
      return false;
    }
    return true;
  }
  throwIfAny(): void {
    if (this.errors.length > 0) throw validationError(this.errors);
  }
}

/** Tags (map, 0–50 entries, key 1–128, value 0–256); keys starting with `aws:` are reserved for AWS. */
export function checkTags(c: Checker, tags: unknown, name = 'tags'): void {
  if (typeof tags !== 'object' || tags === null || Array.isArray(tags)) {
    c.fail(name, tags, 'Member must be a map');
    return;
  }
  const entries = Object.entries(tags);
  if (entries.length > 50) c.fail(name, tags, 'Member must have length less than or equal to 50');
  for (const [key, value] of entries) {
    if (c.string(`${name}.key`, key, { min: 1, max: 128 }) && key.toLowerCase().startsWith('aws:')) {
      c.fail(`${name}.key`, key, "Tag keys starting with 'aws:' are reserved for AWS use");
    }
    c.string(`${name}.value`, value, { max: 256 });
  }
}

/** A required identifier (an ARN matching `pattern`); throws ValidationException naming the field. */
export function checkIdentifier(name: string, value: unknown, pattern: RegExp): string {
  const c = new Checker();
  if (c.required(name, value)) c.string(name, value, { min: 1, max: 128, pattern });
  c.throwIfAny();
  return value as string;
}

/** The request body as an object (`{}` when empty); unparsable JSON → ValidationException. */
export function parseInput(body: string): Input {
  if (body.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(body);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Input) : {};
  } catch {
    throw otherValidationError('Could not parse request body into json');
  }
}

/**
 * A path or method no operation answers. The model's ValidationExceptionReason has
 * UNKNOWN_OPERATION for this, so the SDK raises its ValidationException, not an unmodelled error.
 */
export function unknownOperation(method: string, pathname: string): LocalResponse {
  return ivschatError(400, 'ValidationException', {
    message: `Unknown operation: ${method} ${pathname}`,
    reason: 'UNKNOWN_OPERATION',
  });
}
