/** `ivschat-audit policies test [dir]`: each policy's examples are its tests. */
import { runExamples } from '../../policy/examples.js';
import { stripControl } from '../../render/escape.js';
import type { CliCommand, CommandContext } from '../command.js';
import { EXIT } from '../exit-codes.js';
import type { SafeIo } from '../io.js';
import { policiesDirArgument } from '../options.js';
import { loadPolicies } from '../policies-source.js';

export interface TestFlags {
  dir: string;
}

export function policiesTestCommand({ io, policiesDefault }: CommandContext): CliCommand<TestFlags> {
  return {
    name: 'test',
    description: "run every policy's examples: each pass example must pass and each fail example must fail",
    inputs: { dir: policiesDirArgument(policiesDefault) },
    run: (flags) => policiesTest(flags, policiesDefault.dir, io),
  };
}

/** Exit 1 when an example does not come out as it says it should. */
export function policiesTest(flags: TestFlags, policiesDir: string, io: SafeIo): number {
  const { policies } = loadPolicies(flags.dir, policiesDir, new Date().toISOString());
  const results = runExamples(policies, new Date().toISOString());
  for (const p of results.policies) {
    const mark = p.failures.length === 0 ? 'ok  ' : 'FAIL';
    io.stdout(`${mark} ${p.id} (${p.passExamples} pass, ${p.failExamples} fail examples)\n`);
    // Policy files are untrusted input here (a pull request): no control characters reach the log.
    for (const f of p.failures) {
      io.stdout(`     ${stripControl(`${f.file} ${f.example} (${f.arn}): ${f.problem}`)}\n`);
    }
  }
  const total = results.policies.reduce((n, p) => n + p.passExamples + p.failExamples, 0);
  io.stdout(`examples: ${total - results.failures.length} passed, ${results.failures.length} failed\n`);
  return results.failures.length > 0 ? EXIT.findings : EXIT.clean;
}
