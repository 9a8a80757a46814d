/**
 * AWS Step Functions `ListExecutions` (JSON 1.0, `X-Amz-Target: AWSStepFunctions.ListExecutions`) over
 * executions seeded per state machine: newest first, filtered by status, paged by `maxResults`
 * (0 = the default 100, at most 1000). The interpreter that runs the auditor's own definition is
 * `step-functions.ts`; this file only answers what a deployed machine's history would.
 */
import type { LocalResponse } from './http.js';
import { epochSeconds, type JsonVersion, jsonAnswer, jsonBody, jsonError, text } from './json-protocol.js';

export const SFN_TARGET_PREFIX = 'AWSStepFunctions.';
const V: JsonVersion = '1.0';
const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'] as const;
export type ExecutionStatus = (typeof STATUSES)[number];
const STATE_MACHINE_ARN = /^arn:aws[\w-]*:states:([a-z0-9-]+):(\d{12}):stateMachine:[\w-]{1,80}$/;

export interface SeedExecution {
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  /** ISO time. */
  startDate: string;
  /** ISO time; absent while RUNNING. */
  stopDate?: string;
}

export class StepFunctionsExecutions {
  private machines = new Set<string>();
  private executions: SeedExecution[] = [];

  /** State machines that exist (with no execution yet, ListExecutions answers an empty list). */
  seedStateMachines(arns: string[]): void {
    for (const arn of arns) {
      if (!STATE_MACHINE_ARN.test(arn)) throw new Error(`"${arn}" is not a state machine ARN`);
      this.machines.add(arn);
    }
  }

  seedExecutions(executions: SeedExecution[]): void {
    for (const e of executions) {
      if (!STATUSES.includes(e.status)) throw new Error(`execution status "${e.status}" is not valid`);
      this.seedStateMachines([e.stateMachineArn]);
      this.executions.push(structuredClone(e));
    }
  }

  clear(): void {
    this.machines.clear();
    this.executions = [];
  }

  handle(operation: string, accountId: string, region: string, body: string): LocalResponse {
    const input = jsonBody(body);
    if (!input) return jsonError(V, 400, 'SerializationException', 'Request body is not a JSON object');
    if (operation !== 'ListExecutions')
      return jsonError(
        V,
        400,
        'UnknownOperationException',
        `Step Functions has no operation ${operation} here`,
      );
    const arn = text(input, 'stateMachineArn');
    if (!arn)
      return jsonError(V, 400, 'ValidationException', 'Must provide a StateMachine ARN or MapRun ARN');
    const parts = STATE_MACHINE_ARN.exec(arn);
    if (!parts)
      return jsonError(
        V,
        400,
        'InvalidArn',
        `Invalid Arn: 'Resource type not valid in this context: ${arn}'`,
      );
    if (parts[1] !== region || parts[2] !== accountId || !this.machines.has(arn))
      return jsonError(V, 400, 'StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    const status = text(input, 'statusFilter');
    if (status !== undefined && !STATUSES.includes(status as ExecutionStatus))
      return jsonError(
        V,
        400,
        'ValidationException',
        `1 validation error detected: Value '${status}' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [${STATUSES.join(', ')}]`,
      );
    const max = input.maxResults ?? 0;
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 0 || max > 1000)
      return jsonError(
        V,
        400,
        'ValidationException',
        `1 validation error detected: Value '${String(max)}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000`,
      );
    const pageSize = max === 0 ? 100 : max;
    const matching = this.executions
      .filter((e) => e.stateMachineArn === arn && (status === undefined || e.status === status))
      .sort((a, b) => Date.parse(b.startDate) - Date.parse(a.startDate));
    const start = Number(text(input, 'nextToken') ?? '0');
    if (!Number.isInteger(start) || start < 0 || start > matching.length)
      return jsonError(V, 400, 'InvalidToken', 'Invalid Token');
    const page = matching.slice(start, start + pageSize);
    return jsonAnswer(V, {
      executions: page.map((e) => ({
        executionArn: `${arn.replace(':stateMachine:', ':execution:')}:${e.name}`,
        stateMachineArn: arn,
        name: e.name,
        status: e.status,
        startDate: epochSeconds(e.startDate),
        ...(e.stopDate ? { stopDate: epochSeconds(e.stopDate) } : {}),
      })),
      ...(start + page.length < matching.length ? { nextToken: String(start + page.length) } : {}),
    });
  }
}
