/**
 * The one way every AWS call is served, whichever service it is for: access denied → quota →
 * injected 5xx → the service itself, counted all along (in total and per account).
 */
import type { Caller } from './accounts.js';
import type { Emulator } from './emulator.js';
import type { FaultService } from './faults.js';
import type { LocalResponse } from './http.js';
import { ivschatError } from './ivschat-shapes.js';
import { accessDenied, serverError, throttled } from './service-errors.js';
import type { Stats } from './stats.js';

export interface ServiceCall {
  service: FaultService;
  caller: Caller;
  region: string;
  operation: string;
  /** What a ThrottlingException names; default the caller's account. */
  resourceId?: string;
}

export function serveCall(emulator: Emulator, call: ServiceCall, run: () => LocalResponse): LocalResponse {
  const { service, caller, region, operation } = call;
  const { faults, quotas } = emulator;
  const counters = emulator.countersOf(caller.accountId);
  const count = (f: (s: Stats) => void) => {
    for (const s of counters) f(s);
  };
  count((s) => s.call(region, operation));
  // GetCallerIdentity needs no permission, in AWS as here.
  const identity = service === 'sts' && operation === 'GetCallerIdentity';
  if (caller.sessionPolicy && !identity && !caller.sessionPolicy.allows(`${service}:${operation}`)) {
    count((s) => s.error(region, operation));
    return accessDenied(service, caller, operation);
  }
  if (service === 'ivschat' && faults.accessDenied(region, caller.accountId, operation)) {
    count((s) => s.error(region, operation));
    return ivschatError(403, 'AccessDeniedException', {
      message: `User: ${caller.arn} is not authorized to perform: ivschat:${operation} (local-aws fault: access denied for ${caller.accountId} in ${region})`,
    });
  }
  if (!quotas.admit(caller.accountId, region, operation)) {
    count((s) => s.throttled(region, operation));
    return throttled(service, quotas.rateFor(operation), call.resourceId ?? caller.accountId);
  }
  count((s) => s.admitted(region, operation));
  if (faults.serverError(service, operation)) {
    count((s) => s.error(region, operation));
    return serverError(service);
  }
  const response = run();
  if (response.status >= 400) count((s) => s.error(region, operation));
  return response;
}
