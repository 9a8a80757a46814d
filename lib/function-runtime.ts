/** The auditor function's memory and Node options: used by the stack, and by `npm run bench`. */
export const FUNCTION_MEMORY_MB = 512;

/**
 * Caps V8's old space below the function's memory, so a large audit collects garbage instead of
 * growing until the sandbox kills the run; a cap this size also makes V8 grow its heap in smaller
 * steps. `npm run bench` measures memory under these same options (bench/README.md, memory).
 */
export const FUNCTION_NODE_OPTIONS = `--enable-source-maps --max-old-space-size=${Math.floor(FUNCTION_MEMORY_MB * 0.75)}`;
