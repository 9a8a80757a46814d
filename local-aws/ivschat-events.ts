/**
 * CloudTrail records of IVS Chat write calls, shaped as EventBridge delivers them
 * (`detail-type: AWS API Call via CloudTrail`), so the change path can be driven end to end offline.
 * Read-only calls (Get*, List*) are not emitted: the auditor's rule does not match them.
 */
import { randomUUID } from 'node:crypto';
import type { Caller } from './accounts.js';
import type { LocalResponse } from './http.js';
import type { IvschatOperation } from './ivschat.js';

export const IVSCHAT_WRITE_OPERATIONS = [
  'CreateRoom',
  'UpdateRoom',
  'DeleteRoom',
  'TagResource',
  'UntagResource',
  'CreateLoggingConfiguration',
  'UpdateLoggingConfiguration',
  'DeleteLoggingConfiguration',
] as const satisfies readonly IvschatOperation[];
export type IvschatWriteOperation = (typeof IVSCHAT_WRITE_OPERATIONS)[number];

export function isIvschatWrite(operation: string): operation is IvschatWriteOperation {
  return (IVSCHAT_WRITE_OPERATIONS as readonly string[]).includes(operation);
}

/** `userIdentity` as CloudTrail writes it for an IAM user or an assumed-role session. */
export type CloudTrailUserIdentity =
  | {
      type: 'IAMUser';
      principalId: string;
      arn: string;
      accountId: string;
      accessKeyId: string;
      userName: string;
    }
  | {
      type: 'AssumedRole';
      principalId: string;
      arn: string;
      accountId: string;
      accessKeyId: string;
      sessionContext: {
        sessionIssuer: {
          type: 'Role';
          principalId: string;
          arn: string;
          accountId: string;
          userName: string;
        };
        attributes: { creationDate: string; mfaAuthenticated: 'false' };
      };
    };

/**
 * The record format's version, `major.minor`: the CloudTrail record contents page gives 1.11 as the
 * current one, which new management events carry. Readers compare the major version for equality and
 * the minor with >=, so the type is any such string.
 */
export const CLOUDTRAIL_EVENT_VERSION = '1.11';

/** How the caller's TLS session looked (since 1.08): every management call over HTTPS has it. */
export interface CloudTrailTlsDetails {
  tlsVersion: string;
  cipherSuite: string;
  clientProvidedHostHeader: string;
}

export interface CloudTrailDetail {
  eventVersion: string;
  userIdentity: CloudTrailUserIdentity;
  eventTime: string;
  eventSource: 'ivschat.amazonaws.com';
  eventName: IvschatWriteOperation;
  awsRegion: string;
  sourceIPAddress: string;
  userAgent: string;
  requestParameters: Record<string, unknown> | null;
  /** The answer's body; null when the call answered nothing (204, `{}`) or failed. */
  responseElements: Record<string, unknown> | null;
  /** Set only when the call failed (and changed nothing). */
  errorCode?: string;
  errorMessage?: string;
  requestID: string;
  eventID: string;
  readOnly: false;
  eventType: 'AwsApiCall';
  managementEvent: true;
  recipientAccountId: string;
  eventCategory: 'Management';
  tlsDetails: CloudTrailTlsDetails;
}

/** An EventBridge event carrying a CloudTrail record of an IVS Chat write. */
export interface IvschatChangeEvent {
  version: '0';
  id: string;
  'detail-type': 'AWS API Call via CloudTrail';
  source: 'aws.ivschat';
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: CloudTrailDetail;
}

/** What the server knows about one IVS Chat write call and its answer. */
export interface IvschatCall {
  operation: IvschatWriteOperation;
  caller: Caller;
  accessKeyId: string | undefined;
  region: string;
  /** The request body (JSON text, possibly empty or invalid). */
  body: string;
  /** From the path of tag operations. */
  resourceArn?: string;
  query: URLSearchParams;
  sourceIp: string | undefined;
  userAgent: string | undefined;
  response: LocalResponse;
  requestId: string;
  at: Date;
}

/** CloudTrail times carry whole seconds. */
function cloudTrailTime(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function parseObject(text: string | undefined): Record<string, unknown> | null {
  if (!text || text.trim() === '') return null;
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

function userIdentity(caller: Caller, accessKeyId: string | undefined, time: string): CloudTrailUserIdentity {
  const key = accessKeyId ?? 'AKIALOCALAWS00000000';
  const session = /^arn:aws:sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(caller.arn);
  if (!session?.[2]) {
    return {
      type: 'IAMUser',
      principalId: caller.userId,
      arn: caller.arn,
      accountId: caller.accountId,
      accessKeyId: key,
      userName: caller.arn.slice(caller.arn.lastIndexOf('/') + 1),
    };
  }
  const roleName = session[2];
  return {
    type: 'AssumedRole',
    principalId: caller.userId,
    arn: caller.arn,
    accountId: caller.accountId,
    accessKeyId: key,
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: caller.userId.split(':')[0] ?? caller.userId,
        // The role's ARN keeps its path ("role/auditing/name"); the session's ARN does not.
        arn: caller.roleArn ?? `arn:aws:iam::${caller.accountId}:role/${roleName}`,
        accountId: caller.accountId,
        userName: roleName,
      },
      // The emulator does not keep when a session was minted; the call's time stands in.
      attributes: { creationDate: time, mfaAuthenticated: 'false' },
    },
  };
}

/** requestParameters as CloudTrail records them: the body, plus what the SDK put in the path or query. */
function requestParameters(call: IvschatCall): Record<string, unknown> | null {
  const params = parseObject(call.body) ?? {};
  if (call.operation === 'TagResource' || call.operation === 'UntagResource') {
    params.resourceArn = call.resourceArn;
  }
  if (call.operation === 'UntagResource') params.tagKeys = call.query.getAll('tagKeys');
  return Object.keys(params).length > 0 ? params : null;
}

export function changeEvent(call: IvschatCall): IvschatChangeEvent {
  const time = cloudTrailTime(call.at);
  const failed = call.response.status >= 400;
  const answer = parseObject(call.response.body);
  const detail: CloudTrailDetail = {
    eventVersion: CLOUDTRAIL_EVENT_VERSION,
    userIdentity: userIdentity(call.caller, call.accessKeyId, time),
    eventTime: time,
    eventSource: 'ivschat.amazonaws.com',
    eventName: call.operation,
    awsRegion: call.region,
    sourceIPAddress: call.sourceIp?.replace(/^::ffff:/, '') ?? '127.0.0.1',
    userAgent: call.userAgent ?? 'unknown',
    requestParameters: requestParameters(call),
    responseElements: failed || !answer || Object.keys(answer).length === 0 ? null : answer,
    requestID: call.requestId,
    eventID: randomUUID(),
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: call.caller.accountId,
    eventCategory: 'Management',
    // The emulator speaks plain HTTP; the record says what AWS's endpoint would have negotiated with
    // an SDK client, and the host it was called at (the regional endpoint).
    tlsDetails: {
      tlsVersion: 'TLSv1.3',
      cipherSuite: 'TLS_AES_128_GCM_SHA256',
      clientProvidedHostHeader: `ivschat.${call.region}.amazonaws.com`,
    },
  };
  if (failed) {
    detail.errorCode = call.response.headers?.['x-amzn-errortype'] ?? `HTTP${call.response.status}`;
    detail.errorMessage =
      typeof answer?.message === 'string' ? answer.message : `HTTP status ${call.response.status}`;
  }
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.ivschat',
    account: call.caller.accountId,
    time,
    region: call.region,
    resources: [],
    detail,
  };
}
