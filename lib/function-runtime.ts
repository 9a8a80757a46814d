/**
 * The auditor function's memory and Node options: used by the stack, and by `npm run bench`.
 *
 * The memory is derived from a measurement, not guessed: the peak RSS of the largest run the bench
 * makes (`memoryLarge`: the steady state at 200,000 rooms, ~583,000 findings, the bundled handler
 * under these same options), times a headroom, rounded up to Lambda's 1 MB step.
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
 * Peak RSS (MB) of `npm run bench -- --only memoryLarge` (200,000 rooms, 583,337 findings, steady
 * state), measured on 2026-12-06 on a 2-core machine under the options of a 1,024 MB function (old
 * space 768 MB, semi-spaces 8 MB; heap used 566 MB at the peak). Measured again the same day, quiet,
 * under the options this constant sets (old space 912 MB, semi-spaces 2 MB): 805.7 MB
 * (bench/results.json), within the headroom, so the constant stands. Re-measuring under the options
 * it sets is what keeps it honest; test/cdk/function-memory.test.ts fails when a recorded peak no
 * longer fits.
 *
 * Kept after the steady state stopped holding the findings it finds again unchanged (it counts them,
 * Report.unchangedOpen), which lowered memoryLarge's figure: that run held every finding, as the
 * last invocation of a first audit and the run a day later still do (the bench's `memory.dayLater`:
 * every reminder due, at 50,000 rooms well over the steady state). Until the bench measures the run a
 * day later at 200,000 rooms, the figure of the run that held every finding stays the basis.
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
 * glibc serves an allocation of 32 KB or more with its own mapping, returned to the system when
 * freed, and gives back the free top of its heap past 128 KB. By default both thresholds start at
 * 128 KB and rise for good with the first large block freed, so what V8's parser and compiler free
 * (blocks of 32 KB and up, while the bundle loads and as each function first runs), zlib and the HTTP
 * stack stayed in the process. Importing the bundle under the stack's NODE_OPTIONS left 109.6 MB
 * RSS with glibc's defaults, 102.4 MB with both thresholds at 128 KB and 82.3 MB with these
 * (2026-12-07); `npm run bench`'s memory sections run under them.
 */
export const FUNCTION_MALLOC_MMAP_THRESHOLD = String(32 * 1024);
export const FUNCTION_MALLOC_TRIM_THRESHOLD = String(128 * 1024);

/** The environment the function's runtime reads at start (the stack sets it; the bench's children too). */
export const FUNCTION_RUNTIME_ENV = {
  NODE_OPTIONS: FUNCTION_NODE_OPTIONS,
  MALLOC_ARENA_MAX: FUNCTION_MALLOC_ARENA_MAX,
  MALLOC_MMAP_THRESHOLD_: FUNCTION_MALLOC_MMAP_THRESHOLD,
  MALLOC_TRIM_THRESHOLD_: FUNCTION_MALLOC_TRIM_THRESHOLD,
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
 * The bundle's source map holds the mappings and names only, not a copy of every bundled source file
 * (the stack's NodejsFunction and `npm run bench` build it so). Stack traces under
 * `--enable-source-maps` still name our files and lines; Node parses the whole map when the module
 * loads, and with the sources in it that was a 6.1 MB map and ~8 MB more heap and RSS for every
 * invocation (2.2 MB without, measured on 2026-12-06).
 */
export const FUNCTION_SOURCES_CONTENT = false;
