/**
 * Runs the auditor's state machine locally: the definition `cdk synth` produces, interpreted by
 * aws-local-stepfunctions, with every Lambda task answered by the real audit handler in this process
 * (against the emulator and dynalite). Used by the engine tests, `npm run demo -- --org` and the
 * orgScale benchmark.
 *
 * What the interpreter does not do, and how it is covered instead:
 * - Distributed Map runs as an inline Map (ProcessorConfig, ToleratedFailurePercentage are read but
 *   not acted on): the children catch their own errors (TargetFailed), so no child fails in practice;
 *   the tolerance itself is asserted on the synthesized definition (test/cdk).
 * - Retry intervals are shortened (`retryIntervalOverrides`), Lambda payload limits are not enforced
 *   (the tests assert on result sizes themselves).
 */
import type { Context } from 'aws-lambda';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';

type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

// aws-local-stepfunctions 3 calls Promise.withResolvers (Node 22+); the project supports Node 20.
const promiseStatics = Promise as unknown as { withResolvers?: () => unknown };
if (!promiseStatics.withResolvers) {
  promiseStatics.withResolvers = () => {
    let resolve!: (value: unknown) => void;
    let reject!: (reason: unknown) => void;
    const promise = new Promise((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

export type AuditHandler = (
  event: unknown,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
) => Promise<unknown>;

export interface LocalRunOptions {
  /** The synthesized definition, tokens resolved (see demo/state-machine-definition.ts). */
  definition: object;
  /** The audit Lambda's handler, as `createHandler()` builds it. */
  handler: AuditHandler;
  /** The execution's name: the run id every step keys its state with. */
  executionName: string;
  /**
   * How long each simulated invocation may run, in ms (Lambda's getRemainingTimeInMillis counts down
   * from it). Default 15 minutes, the function's timeout.
   */
  invocationMs?: number;
  input?: unknown;
}

export interface LocalRunResult {
  /** The execution's output (the aggregate step's summary), or undefined when it failed. */
  output: unknown;
  error?: { name: string; message: string };
  /** State transitions, as Step Functions bills them (one per state entered). */
  stateTransitions: number;
  /** Audit function invocations by step. */
  invocations: Record<string, number>;
  /** Seconds the handler ran, over every invocation (× memory = the run's Lambda GB-seconds). */
  lambdaSeconds: number;
  /** The largest result one invocation returned, in bytes of JSON. */
  maxResultBytes: number;
  events: EventLog[];
}

export async function runLocalStateMachine(options: LocalRunOptions): Promise<LocalRunResult> {
  const invocations: Record<string, number> = {};
  let lambdaMs = 0;
  let maxResultBytes = 0;
  const invocationMs = options.invocationMs ?? 15 * 60_000;
  const invoke = async (input: unknown) => {
    const payload = (input as { Payload?: unknown }).Payload;
    const step = String((payload as { step?: unknown } | undefined)?.step ?? 'scheduled');
    invocations[step] = (invocations[step] ?? 0) + 1;
    const started = Date.now();
    const context = { getRemainingTimeInMillis: () => invocationMs - (Date.now() - started) };
    try {
      const result = (await options.handler(payload, context)) ?? null;
      maxResultBytes = Math.max(maxResultBytes, Buffer.byteLength(JSON.stringify(result)));
      // lambda:invoke answers { Payload, StatusCode, … }; the states select `$.Payload`.
      return { Payload: result, StatusCode: 200 };
    } finally {
      lambdaMs += Date.now() - started;
    }
  };
  const handlers: Record<string, typeof invoke> = {};
  const retries: Record<string, number> = {};
  for (const [name, state] of taskStates(options.definition as { States: Record<string, unknown> })) {
    handlers[name] = invoke;
    if ((state as { Retry?: unknown }).Retry) retries[name] = 1;
  }
  const machine = new StateMachine(options.definition as StateMachineDefinition, {
    // asl-validator takes ~10 s here; test/cdk validates the same definition with it once.
    validationOptions: { noValidate: true },
  });
  const execution = machine.run((options.input ?? {}) as never, {
    overrides: { taskResourceLocalHandlers: handlers as never, retryIntervalOverrides: retries },
    context: { Execution: { Name: options.executionName } } as never,
  });
  const events: EventLog[] = [];
  const collecting = (async () => {
    for await (const event of execution.eventLogs) events.push(event);
  })();
  let output: unknown;
  let error: LocalRunResult['error'];
  try {
    output = await execution.result;
  } catch (e) {
    const failure = e as Error & { cause?: Error };
    error = { name: failure.cause?.name ?? failure.name, message: failure.cause?.message ?? failure.message };
  }
  await collecting;
  return {
    output,
    ...(error ? { error } : {}),
    stateTransitions: events.filter((e) => e.type === 'StateEntered').length,
    invocations,
    lambdaSeconds: lambdaMs / 1000,
    maxResultBytes,
    events,
  };
}

/** Every Task state, in the definition and in its Map processors, by name. */
function taskStates(definition: { States: Record<string, unknown> }): [string, unknown][] {
  const found: [string, unknown][] = [];
  for (const [name, state] of Object.entries(definition.States)) {
    const s = state as {
      Type?: string;
      ItemProcessor?: { States: Record<string, unknown> };
      Iterator?: { States: Record<string, unknown> };
    };
    if (s.Type === 'Task') found.push([name, s]);
    const inner = s.ItemProcessor ?? s.Iterator;
    if (inner) found.push(...taskStates(inner));
  }
  return found;
}
