/** The auditor function's memory and Node options: used by the stack, and by `npm run bench`. */
export const FUNCTION_MEMORY_MB = 512;

/**
 * V8 heap limits for the function (`npm run bench` measures memory under these same options):
 * - old space capped at 75% of the function's memory, so a large audit collects garbage instead of
 *   growing until the sandbox kills the run; a cap this size also makes V8 grow its heap in smaller
 *   steps;
 * - semi-spaces of 8 MB instead of 16: the young generation holds ~24 MB less at the same speed
 *   (a 50,000-room run peaked ~20 MB lower; bench/README.md, memory).
 */
export const FUNCTION_NODE_OPTIONS = [
  '--enable-source-maps',
  `--max-old-space-size=${Math.floor(FUNCTION_MEMORY_MB * 0.75)}`,
  '--max-semi-space-size=8',
].join(' ');

/**
 * esbuild aliases of the function's bundle (the stack's NodejsFunction and `npm run bench` build it
 * with these): the SDK's default credential chain becomes the environment alone, which is where
 * Lambda puts the role's credentials (lambda/aws/env-credentials.ts). Paths are from the project root.
 */
export const FUNCTION_BUNDLE_ALIAS: Readonly<Record<string, string>> = {
  '@aws-sdk/credential-provider-node': './lambda/aws/env-credentials.ts',
};
