/**
 * How far V8 lets the function's heap grow past what a full collection left live, from the stack's
 * `NODE_HEAP_GROWING_PERCENT` (lib/function-runtime.ts). Node accepts only a few V8 options in
 * `NODE_OPTIONS`, and this one is not among them, so the function sets it itself, once, before its
 * first run.
 *
 * Why: by default V8 lets the old space grow to 1.3–4 times what the last full collection left live
 * (~1.55 under the function's old-space cap) before it collects again. A first audit holds every
 * finding it makes through delivery (145,823 at 50,000 rooms, ~96 MB live), so most of its peak was
 * garbage V8 had not yet been asked to collect. A lower factor collects sooner: more full collections,
 * a lower peak (bench/README.md, "the heap's growing factor").
 */
import { setFlagsFromString } from 'node:v8';
import { ConfigError } from '../core/errors.js';

export const HEAP_GROWING_ENV = 'NODE_HEAP_GROWING_PERCENT';

/** Accepted percentages: V8 grows the heap to (1 + percent / 100) × live. */
const MIN_PERCENT = 1;
const MAX_PERCENT = 300;

/**
 * Sets V8's heap growing factor from the environment; unset or empty leaves V8's own. A value that is
 * not a whole number from 1 to 300 fails with the variable's name. Returns the percent set.
 */
export function tuneHeap(env: NodeJS.ProcessEnv, setFlags: (flags: string) => void = setFlagsFromString) {
  const raw = env[HEAP_GROWING_ENV]?.trim();
  if (!raw) return undefined;
  const percent = Number(raw);
  if (!/^\d+$/.test(raw) || percent < MIN_PERCENT || percent > MAX_PERCENT) {
    throw new ConfigError(
      HEAP_GROWING_ENV,
      `"${raw}" is not a whole number from ${MIN_PERCENT} to ${MAX_PERCENT} (the percent V8 grows its heap past what is live)`,
    );
  }
  setFlags(`--heap-growing-percent=${percent}`);
  return percent;
}
