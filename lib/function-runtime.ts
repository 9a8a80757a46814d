/**
 * The auditor function's memory and Node options: used by the stack, and by `npm run bench`.
 *
 * The memory is derived from a measurement, not guessed: the peak RSS of the largest run the bench
 * makes (`memoryLarge`: at 200,000 rooms, ~583,000 findings, the run a day after the state was
 * written, when every reminder and every room's full refresh is due, and the steady state after it;
 * the bundled handler under these same options), times a headroom, rounded up to Lambda's 1 MB step.
 * test/cdk/function-memory.test.ts checks the constant against the figure bench/results.json
 * records, so a measurement that no longer fits fails the test until the constant is updated.
 *
 * `largeFirstAudit` records a higher process peak (1,060.9 MB on 2026-12-06) but is not the basis:
 * it runs a 50,000-room target's 17 invocations back to back in one process at 40× the real call
 * rate, so V8 grows its heap toward the old-space cap without collecting; the cap (75 % of the
 * memory, below) bounds that growth under the function's memory. Its live need is over 384 MB (it
 * ran out of heap under that cap), which this memory covers.
 */

/**
 * Peak RSS (MB) the function's memory is derived from: 810.1, measured on 2026-12-06 at 200,000 rooms
 * (583,337 findings) by the steady state of that day, which still held every finding it found again.
 *
 * Measured since under the options this constant sets (old space 912 MB, semi-spaces 2 MB) at 200,000
 * rooms, by `memoryLarge` (bench/results.json): the run a day later is the daily peak (it lists every
 * finding as a reminder and holds the loaded state besides, so it should bound the last invocation of a
 * 200,000-room first audit too: every finding new, nothing loaded; not staged, it takes hours here).
 * - 2026-12-07, V8's own heap growing factor: 779.6 MB (heap used 493.5); the steady state 331.1.
 * - 2026-12-07, the heap collected at 1.2 × live (`FUNCTION_HEAP_GROWING_PERCENT`): 530.5 MB (heap used
 *   344.3); the steady state 276.9.
 *
 * Both fit this constant's headroom (779.6 × 1.5 = 1,170 MB ≤ 1,216), so it stands. The latest figure
 * would allow ~796 MB (530.5 × 1.5), a third less per GB-second, but lowering the constant changes the
 * options (the old-space cap), and the figure must then be measured again under them: left for a
 * measurement of its own.
 */
export const MEASURED_PEAK_MB = 810.1;

/**
 * Headroom over the measured peak: the bench runs without an API budget (a budgeted run allocates
 * more slowly and peaks lower), but a fleet grows, an account's findings per room vary, and a sandbox
 * that runs out of memory is killed mid-run without recording anything.
 */
export const MEMORY_HEADROOM = 1.5;

/** Lambda's memory setting: 128 to 10,240 MB in 1 MB steps. */
const LAMBDA_MIN_MB = 128;
const LAMBDA_MAX_MB = 10_240;

/** The function memory for a measured peak: peak × headroom, rounded up to Lambda's 1 MB step. */
export function functionMemoryFor(peakMb: number): number {
  const mb = Math.ceil(peakMb * MEMORY_HEADROOM);
  return Math.min(LAMBDA_MAX_MB, Math.max(LAMBDA_MIN_MB, mb));
}

export const FUNCTION_MEMORY_MB = functionMemoryFor(MEASURED_PEAK_MB);

/**
 * V8 heap limits for the function (`npm run bench` measures memory under these same options):
 * - old space capped at 75% of the function's memory, so a large audit collects garbage instead of
 *   growing until the sandbox kills the run; a cap this size also makes V8 grow its heap in smaller
 *   steps;
 * - semi-spaces of 2 MB instead of 16: the young generation holds less at about the same speed (8
 *   instead of 16 made a 50,000-room run peak ~20 MB lower, bench/README.md; 2 instead of 8 made a
 *   20,000-room steady state peak 10–15 MB lower, 145–150 MB instead of 158–165, with no slower run).
 */
export const FUNCTION_NODE_OPTIONS = [
  '--enable-source-maps',
  `--max-old-space-size=${Math.floor(FUNCTION_MEMORY_MB * 0.75)}`,
  '--max-semi-space-size=2',
].join(' ');

/**
 * glibc's malloc arenas for the function: 2 instead of 8 per core. The native side (zlib for the room
 * cache and snapshot chunks, TLS, the HTTP parser) allocates from libuv's worker threads too, and each
 * thread's arena keeps its freed memory. In a trial at 20,000 rooms (steady state, semi-spaces 2 MB, issue
 * 24's notes) 2 arenas peaked at 140 MB against 145-150 without, with no slower run; `npm run bench`'s
 * memory sections run under it. Set in the environment, since glibc reads it when the process starts.
 */
export const FUNCTION_MALLOC_ARENA_MAX = '2';

/**
 * How far V8 lets the old space grow past what its last full collection left live, in percent: the
 * heap is collected again at 1.2 × live. V8's own factor, under the old-space cap above, is ~1.55,
 * and a first audit at 50,000 rooms holds ~88 MB live through claim and settle (its findings): its
 * heap was collected at ~137 MB, and with this at ~108. Measured on 2026-12-07 (`npm run bench --
 * --only memory`, issue 24's note): first audit 235.1 → 203.4 MB, steady state 152.1 → 136.8, the
 * run a day later 256.0 → 216.1, with no run measurably slower (more, smaller collections, mostly
 * off the main thread). Node takes no such V8 option in NODE_OPTIONS, so the function sets it itself
 * on its first invocation (lambda/runtime/heap.ts).
 */
export const FUNCTION_HEAP_GROWING_PERCENT = '20';

/** The environment the function's runtime reads at start (the stack sets it; the bench's children too). */
export const FUNCTION_RUNTIME_ENV = {
  NODE_OPTIONS: FUNCTION_NODE_OPTIONS,
  MALLOC_ARENA_MAX: FUNCTION_MALLOC_ARENA_MAX,
  NODE_HEAP_GROWING_PERCENT: FUNCTION_HEAP_GROWING_PERCENT,
} as const;

/**
 * esbuild aliases of the function's bundle (the stack's NodejsFunction and `npm run bench` build it
 * with these): the SDK's default credential chain becomes the environment alone, which is where
 * Lambda puts the role's credentials (lambda/aws/env-credentials.ts). Paths are from the project root.
 */
export const FUNCTION_BUNDLE_ALIAS: Readonly<Record<string, string>> = {
  '@aws-sdk/credential-provider-node': './lambda/aws/env-credentials.ts',
};

/**
 * How esbuild builds the function's bundle, beside the aliases above and `FUNCTION_SOURCES_CONTENT`
 * below: the stack's NodejsFunction and `npm run bench` (its `bundle` section and every child it
 * measures) build it with these, so the bench measures the code that ships.
 * - `mainFields`: the packages' ES module builds first. With esbuild's default for Node (`main` first)
 *   the AWS SDK comes in as CommonJS: a 2.1 MB bundle instead of 1.4, ~25 MB more RSS once imported
 *   (105 MB against 80, measured on 2026-12-07 under the function's options).
 * - `banner`: CommonJS dependencies bundled into ESM output still call `require()`; it gives them one.
 */
export const FUNCTION_BUNDLE = {
  target: 'node22',
  mainFields: ['module', 'main'],
  banner: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
} as const;

/**
 * The bundle's source map holds the mappings and names only, not a copy of every bundled source file
 * (the stack's NodejsFunction and `npm run bench` build it so). Stack traces under
 * `--enable-source-maps` still name our files and lines; Node parses the whole map when the module
 * loads, and with the sources in it that was a 6.1 MB map and ~8 MB more heap and RSS for every
 * invocation (2.2 MB without, measured on 2026-12-06).
 */
export const FUNCTION_SOURCES_CONTENT = false;
