/**
 * The Node.js versions ivschat-auditor supports, in one place: package.json `engines`, the README,
 * docs/deploy.md, the workflows, the Lambda runtime and .ci/run are checked against this by
 * test/workflows/node-versions.test.ts.
 *
 * Node 20 stays supported because CI and many laptops still run it (the whole test suite runs there);
 * 20.19 and 22.12 are the least versions the toolchain (vitest, vite) accepts. Node 22 is what the
 * Lambda runs and the workflows use, and the AWS SDK needs it for its releases after the first week
 * of January 2027: on Node 20 the CLI says so in one line of its own.
 */

/** [major, least minor] of each supported line; every major past the last is supported too. */
const LEAST_VERSIONS = [
  [20, 19],
  [22, 12],
] as const;
const [NEWEST_MAJOR] = LEAST_VERSIONS[LEAST_VERSIONS.length - 1] ?? [0];

export const NODE_SUPPORT = {
  /** package.json `engines.node`: `^20.19.0 || >=22.12.0`. */
  engines: LEAST_VERSIONS.map(
    ([major, minor]) => `${major === NEWEST_MAJOR ? '>=' : '^'}${major}.${minor}.0`,
  ).join(' || '),
  /** How the README and docs/deploy.md say it, word for word. */
  inWords: 'Node.js 22 (22.12 or later; recommended) or Node.js 20 (20.19 or later)',
  /** The Lambda runtime and the workflows' `node-version`. */
  recommendedMajor: 22,
  /** Every major the tests run on somewhere (CI's `.ci/run` on 20, the workflows on 22). */
  majors: LEAST_VERSIONS.map(([major]) => major),
} as const;

/**
 * Why the CLI will not run on this Node (`process.version`), or undefined when it will: below the
 * supported versions it would fail somewhere inside, on a missing API, with a message about that.
 */
export function unsupportedNodeMessage(version: string): string | undefined {
  const [major = 0, minor = 0] = (/^v?(\d+)\.(\d+)/.exec(version) ?? []).slice(1).map(Number);
  const supported =
    major > NEWEST_MAJOR ||
    LEAST_VERSIONS.some(([least, leastMinor]) => major === least && minor >= leastMinor);
  return supported
    ? undefined
    : `error: ivschat-audit needs ${NODE_SUPPORT.inWords}; this is Node.js ${version}\n`;
}

/**
 * The one line the CLI prints in place of the AWS SDK's seven-line NodeVersionSupportWarning, or
 * undefined on a Node that the SDK keeps supporting. `version` is `process.version`.
 */
export function nodeSupportNotice(version: string): string | undefined {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1]);
  if (!Number.isInteger(major) || major >= NODE_SUPPORT.recommendedMajor) return undefined;
  return (
    `note: Node.js ${version} still runs ivschat-audit, but AWS SDK releases after the first week of ` +
    `January 2027 need Node.js ${NODE_SUPPORT.recommendedMajor} or later: upgrade to keep getting them\n`
  );
}

/** Whether a Node warning is the SDK's notice that it is dropping this Node version. */
export function isSdkNodeVersionWarning(warning: unknown): boolean {
  const text = warning instanceof Error ? `${warning.name}: ${warning.message}` : String(warning);
  return text.includes('NodeVersionSupportWarning');
}
