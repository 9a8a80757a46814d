/**
 * AWS Organizations (JSON 1.1 protocol: `POST /`, `X-Amz-Target: AWSOrganizationsV20161128.<Op>`):
 * ListAccounts over the emulator's accounts. The default account is the management account;
 * calls signed by any other account are denied, as for a member account that is not a delegated admin.
 */
import type { AccountInfo, Accounts, Caller } from './accounts.js';
import { ACCOUNT_ID, json, type LocalResponse } from './http.js';

export const ORGANIZATIONS_TARGET_PREFIX = 'AWSOrganizationsV20161128.';
export const ORGANIZATION_ID = 'o-localaws00';
const CONTENT_TYPE = { 'content-type': 'application/x-amz-json-1.1' };
const DEFAULT_MAX_RESULTS = 20;

/** An error as awsJson1_1 services send it: `__type` in the body and `x-amzn-ErrorType`. */
export function organizationsError(
  status: number,
  type: string,
  message: string,
  extra: Record<string, unknown> = {},
): LocalResponse {
  return json(
    status,
    { __type: type, Message: message, ...extra },
    { ...CONTENT_TYPE, 'x-amzn-errortype': type },
  );
}

function invalidInput(reason: string, message: string): LocalResponse {
  return organizationsError(400, 'InvalidInputException', message, { Reason: reason });
}

function toAccount(info: AccountInfo): Record<string, unknown> {
  return {
    Id: info.id,
    Arn: `arn:aws:organizations::${ACCOUNT_ID}:account/${ORGANIZATION_ID}/${info.id}`,
    Email: info.email,
    Name: info.name,
    Status: info.status,
    State: info.status,
    JoinedMethod: info.id === ACCOUNT_ID ? 'INVITED' : 'CREATED',
    // awsJson timestamps are epoch seconds.
    JoinedTimestamp: Date.parse(info.joinedTimestamp) / 1000,
  };
}

export class OrganizationsService {
  constructor(private readonly accounts: Accounts) {}

  /** `operation` is the target without its prefix; undefined when the prefix is wrong. */
  handle(operation: string | undefined, body: string, caller: Caller): LocalResponse {
    if (operation !== 'ListAccounts') {
      return organizationsError(
        400,
        'UnknownOperationException',
        `Unknown operation ${operation ?? '(missing or foreign X-Amz-Target)'} (only ListAccounts is emulated)`,
      );
    }
    let input: Record<string, unknown> = {};
    try {
      const parsed: unknown = body.trim() === '' ? {} : JSON.parse(body);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
        input = parsed as Record<string, unknown>;
    } catch {
      return organizationsError(400, 'SerializationException', 'Could not parse request body into json');
    }
    if (caller.accountId !== ACCOUNT_ID) {
      return organizationsError(
        400,
        'AccessDeniedException',
        "You don't have permissions to access this resource.",
      );
    }
    return this.listAccounts(input);
  }

  private listAccounts(input: Record<string, unknown>): LocalResponse {
    const max = input.MaxResults ?? DEFAULT_MAX_RESULTS;
    if (typeof max !== 'number' || !Number.isInteger(max)) {
      return organizationsError(400, 'SerializationException', 'MaxResults must be an integer.');
    }
    if (max < 1) return invalidInput('MIN_VALUE_EXCEEDED', 'MaxResults must be at least 1.');
    if (max > 20) return invalidInput('MAX_VALUE_EXCEEDED', 'MaxResults must be at most 20.');

    let accounts = this.accounts.list();
    const token = input.NextToken;
    if (token !== undefined && token !== null) {
      const after = typeof token === 'string' ? decodeToken(token) : undefined;
      if (after === undefined) return invalidInput('INVALID_NEXT_TOKEN', 'The NextToken is invalid.');
      // A cursor (not an offset), so accounts added between pages are neither skipped nor repeated.
      accounts = accounts.filter((a) => a.id > after);
    }
    const page = accounts.slice(0, max);
    const result: Record<string, unknown> = { Accounts: page.map(toAccount) };
    const last = page[page.length - 1];
    if (accounts.length > max && last) result.NextToken = Buffer.from(`after:${last.id}`).toString('base64');
    return json(200, result, CONTENT_TYPE);
  }
}

function decodeToken(token: string): string | undefined {
  const match = /^after:(\d{12})$/.exec(Buffer.from(token, 'base64').toString('utf8'));
  return match?.[1];
}
