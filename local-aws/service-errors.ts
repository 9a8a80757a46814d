/**
 * What each service answers when a call is refused before it reaches the service: throttled by a
 * quota, denied by a session policy, or failed by an injected server error. Each speaks its own
 * protocol's error shape.
 */
import type { Caller } from './accounts.js';
import { eventsError } from './eventbridge.js';
import type { FaultService } from './faults.js';
import type { LocalResponse } from './http.js';
import { ivschatError, throttlingError } from './ivschat-shapes.js';
import { organizationsError } from './organizations.js';
import { securityHubError } from './securityhub.js';
import { snsError } from './sns.js';
import { stsError } from './sts.js';

export function throttled(
  service: FaultService,
  limit: number | undefined,
  resourceId: string,
): LocalResponse {
  if (service === 'ivschat') {
    // Limit is an integer in the model; a scaled fractional rate is rounded for the answer only.
    return throttlingError(Math.max(1, Math.round(limit ?? 1)), resourceId);
  }
  if (service === 'sns') return snsError(429, 'Throttled', 'Rate exceeded');
  if (service === 'organizations')
    return organizationsError(400, 'TooManyRequestsException', 'Rate exceeded');
  if (service === 'securityhub') return securityHubError(429, 'LimitExceededException', 'Rate exceeded');
  if (service === 'events') return eventsError(400, 'ThrottlingException', 'Rate exceeded');
  return stsError(400, 'Throttling', 'Rate exceeded');
}

/** What each service answers a call its caller's policies do not allow. */
export function accessDenied(service: FaultService, caller: Caller, operation: string): LocalResponse {
  const message = `User: ${caller.arn} is not authorized to perform: ${service}:${operation} because no session policy allows the ${service}:${operation} action`;
  if (service === 'ivschat') return ivschatError(403, 'AccessDeniedException', { message });
  if (service === 'sns') return snsError(403, 'AuthorizationError', message);
  if (service === 'organizations') return organizationsError(400, 'AccessDeniedException', message);
  if (service === 'securityhub') return securityHubError(403, 'AccessDeniedException', message);
  if (service === 'events') return eventsError(400, 'AccessDeniedException', message);
  return stsError(403, 'AccessDenied', message);
}

export function serverError(service: FaultService): LocalResponse {
  const message = 'Internal server error (injected by local-aws)';
  if (service === 'ivschat') return ivschatError(500, 'InternalServerException', { message });
  if (service === 'sns') return snsError(500, 'InternalError', message, 'Receiver');
  if (service === 'organizations') return organizationsError(500, 'ServiceException', message);
  if (service === 'securityhub') return securityHubError(500, 'InternalException', message);
  if (service === 'events') return eventsError(500, 'InternalException', message);
  return stsError(500, 'InternalFailure', message);
}
