/**
 * AWS STS (awsQuery protocol): GetCallerIdentity and AssumeRole (with an inline session policy,
 * which the server then enforces by action on every call of the session).
 * Shapes follow the STS service model (2011-06-15); AccessDenied is STS's common 403 error.
 */
import type { Accounts, Caller } from './accounts.js';
import type { Faults } from './faults.js';
import { escapeXml, type LocalResponse, queryXml } from './http.js';
import { parseSessionPolicy, type SessionPolicy } from './session-policy.js';

const XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/(?:[\x21-\x7e]+\/)?[\w+=,.@-]{1,64}$/;
const SESSION_NAME = /^[\w+=,.@-]*$/;
/** sessionPolicyDocumentType: 1–2048 characters of tab, line breaks and \u0020–\u00FF. */
const POLICY_TEXT = /^[\t\n\r -\u00FF]+$/;

/** An STS error; a 5xx is the service's fault (`Receiver`), anything else the caller's (`Sender`). */
export function stsError(status: number, code: string, message: string): LocalResponse {
  const type = status >= 500 ? 'Receiver' : 'Sender';
  return queryXml(
    status,
    (id) =>
      `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${type}</Type><Code>${escapeXml(code)}</Code>` +
      `<Message>${escapeXml(message)}</Message></Error><RequestId>${id}</RequestId></ErrorResponse>`,
  );
}

function validationError(problems: string[]): LocalResponse {
  const count = problems.length === 1 ? '1 validation error' : `${problems.length} validation errors`;
  return stsError(400, 'ValidationError', `${count} detected: ${problems.join('; ')}`);
}

function constraint(field: string, value: string | null, rule: string): string {
  const shown = value === null ? 'null' : `'${value}'`;
  return `Value ${shown} at '${field}' failed to satisfy constraint: ${rule}`;
}

/** Real STS credentials carry whole seconds. */
function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function respond(action: string, result: string): LocalResponse {
  return queryXml(
    200,
    (id) =>
      `<${action}Response xmlns="${XMLNS}"><${action}Result>${result}</${action}Result>` +
      `<ResponseMetadata><RequestId>${id}</RequestId></ResponseMetadata></${action}Response>`,
  );
}

export class StsService {
  constructor(
    private readonly accounts: Accounts,
    private readonly faults: Faults,
  ) {}

  handle(params: URLSearchParams, caller: Caller): LocalResponse {
    const action = params.get('Action');
    if (action === 'GetCallerIdentity') {
      return respond(
        action,
        `<Arn>${escapeXml(caller.arn)}</Arn><UserId>${escapeXml(caller.userId)}</UserId>` +
          `<Account>${caller.accountId}</Account>`,
      );
    }
    if (action === 'AssumeRole') return this.assumeRole(params, caller);
    return stsError(
      400,
      'InvalidAction',
      `Could not find operation ${action ?? ''} (only GetCallerIdentity and AssumeRole are emulated)`,
    );
  }

  private assumeRole(params: URLSearchParams, caller: Caller): LocalResponse {
    const roleArn = params.get('RoleArn');
    const sessionName = params.get('RoleSessionName');
    const duration = params.get('DurationSeconds');
    const problems: string[] = [];
    if (roleArn === null) problems.push(constraint('roleArn', null, 'Member must not be null'));
    else if (roleArn.length < 20 || roleArn.length > 2048) {
      problems.push(constraint('roleArn', roleArn, 'Member must have length between 20 and 2048'));
    } else if (!ROLE_ARN.test(roleArn)) {
      problems.push(
        constraint('roleArn', roleArn, 'Member must be an IAM role ARN arn:aws:iam::<account>:role/<name>'),
      );
    }
    if (sessionName === null) problems.push(constraint('roleSessionName', null, 'Member must not be null'));
    else if (sessionName.length < 2 || sessionName.length > 64) {
      problems.push(constraint('roleSessionName', sessionName, 'Member must have length between 2 and 64'));
    } else if (!SESSION_NAME.test(sessionName)) {
      problems.push(
        constraint(
          'roleSessionName',
          sessionName,
          'Member must satisfy regular expression pattern: [\\w+=,.@-]*',
        ),
      );
    }
    const seconds = duration === null ? 3600 : Number(duration);
    if (!Number.isInteger(seconds) || seconds < 900 || seconds > 43200) {
      problems.push(constraint('durationSeconds', duration, 'Member must have value between 900 and 43200'));
    }
    const policyText = params.get('Policy');
    if (policyText !== null) {
      if (policyText.length < 1 || policyText.length > 2048) {
        problems.push(constraint('policy', policyText, 'Member must have length between 1 and 2048'));
      } else if (!POLICY_TEXT.test(policyText)) {
        problems.push(
          constraint(
            'policy',
            policyText,
            'Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+',
          ),
        );
      }
    }
    if (problems.length > 0 || roleArn === null || sessionName === null) return validationError(problems);
    let sessionPolicy: SessionPolicy | undefined;
    if (policyText !== null) {
      const parsed = parseSessionPolicy(policyText);
      if ('error' in parsed) return stsError(400, 'MalformedPolicyDocument', parsed.error);
      sessionPolicy = parsed;
    }

    const accountId = ROLE_ARN.exec(roleArn)?.[1] as string;
    const account = this.accounts.get(accountId);
    // Unknown, suspended and deliberately denied accounts look alike to the caller, as in AWS.
    if (account?.status !== 'ACTIVE' || this.faults.assumeRoleDenied(accountId)) {
      return stsError(
        403,
        'AccessDenied',
        `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
      );
    }
    const session = this.accounts.mint(roleArn, accountId, sessionName, seconds, sessionPolicy);
    return respond(
      'AssumeRole',
      `<Credentials><AccessKeyId>${session.accessKeyId}</AccessKeyId>` +
        `<SecretAccessKey>${escapeXml(session.secretAccessKey)}</SecretAccessKey>` +
        `<SessionToken>${escapeXml(session.sessionToken)}</SessionToken>` +
        `<Expiration>${isoSeconds(session.expiration)}</Expiration></Credentials>` +
        `<AssumedRoleUser><AssumedRoleId>${escapeXml(session.assumedRoleId)}</AssumedRoleId>` +
        `<Arn>${escapeXml(session.assumedRoleArn)}</Arn></AssumedRoleUser>`,
    );
  }
}
