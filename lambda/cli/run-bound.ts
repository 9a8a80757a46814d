import { type InventoryProgress, stopReason } from '../aws/inventory.js';
import { AuditorError } from '../core/errors.js';
import type { SafeIo } from './io.js';
import { type ProgressDisplay, progressDisplay } from './progress.js';

/** Why a run stopped before its end; `code` goes into the report's error. */
export class RunStoppedError extends AuditorError {
  override readonly name = 'RunStoppedError';
  constructor(
    readonly code: 'Timeout' | 'Interrupted',
    message: string,
  ) {
    super(message);
  }
}

/**
 * What stopped the process, as bin/ivschat-audit.js aborts the interrupt signal: with the signal's
 * name, or `parent` when npm, which started it, was stopped (npx's shell dies at once on Ctrl-C or
 * SIGTERM, so the CLI may only learn of it by being orphaned).
 */
export type InterruptReason = 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'EPIPE' | 'error' | 'parent';

/** `interrupted (Ctrl-C)`, `terminated (SIGTERM)`, …: what the user or their CI did, in its words. */
export function interruptCause(reason: unknown): string {
  if (reason === 'SIGTERM') return 'terminated (SIGTERM)';
  if (reason === 'SIGHUP') return 'the terminal was closed (SIGHUP)';
  if (reason === 'EPIPE') return 'its output was closed (EPIPE)';
  if (reason === 'error') return 'stopped by an unexpected error';
  if (reason === 'parent') return 'npm (npx), which started it, was stopped';
  return 'interrupted (Ctrl-C)';
}

export interface RunBound {
  /** Aborts (with a RunStoppedError reason) when the time is up or the user interrupts. */
  signal: AbortSignal;
  /** Stops the timer and the listener: call when the run is over. */
  dispose(): void;
}

/**
 * One signal for everything that ends a live run early: the whole-run `--timeout` (so an endpoint
 * that accepts connections and never answers cannot hold the run past it, whatever the SDK's retries
 * would add up to) and the user's Ctrl-C (`interrupt`).
 */
export function boundRun(timeoutSeconds: number, interrupt?: AbortSignal): RunBound {
  const controller = new AbortController();
  const timer = setTimeout(
    () =>
      controller.abort(
        new RunStoppedError('Timeout', `the run did not finish within --timeout ${timeoutSeconds} s`),
      ),
    timeoutSeconds * 1000,
  );
  const onInterrupt = () =>
    controller.abort(
      new RunStoppedError('Interrupted', `${interruptCause(interrupt?.reason)}: the run was stopped`),
    );
  if (interrupt?.aborted) onInterrupt();
  else interrupt?.addEventListener('abort', onInterrupt, { once: true });
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer);
      interrupt?.removeEventListener('abort', onInterrupt);
    },
  };
}

/** What a live run uses of the CLI's io: the progress line's stream, and the user's Ctrl-C. */
export type LiveRunIo = Pick<SafeIo, 'stderr' | 'stderrIsTTY' | 'interrupt'>;

type OnProgress = (region: string, progress: InventoryProgress) => void;

/**
 * Runs a live command under its bound, with progress on stderr when stderr is a terminal (and
 * nothing otherwise: logs and pipes get no escape codes). `stopped` says why the run was cut short
 * (its --timeout, Ctrl-C), when it was.
 */
export async function runLive<T>(
  timeoutSeconds: number,
  apiBudgetTps: number,
  io: LiveRunIo,
  run: (signal: AbortSignal, onProgress?: OnProgress) => Promise<T>,
): Promise<{ result: T; stopped?: string }> {
  const bound = boundRun(timeoutSeconds, io.interrupt);
  const display: ProgressDisplay | undefined = io.stderrIsTTY
    ? progressDisplay({ write: io.stderr, apiBudgetTps })
    : undefined;
  try {
    const result = await run(bound.signal, display ? (region, p) => display.update(region, p) : undefined);
    const why = stopReason(bound.signal);
    return why ? { result, stopped: why.message } : { result };
  } finally {
    display?.done();
    bound.dispose();
  }
}
