import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { describe, expect, it } from 'vitest';

// docs/iac.md shows IvsChatPolicyChecks added to an app. This keeps the example compiling and
// running as written, with the test fixture's stack standing in for "your stacks".
const ROOT = join(import.meta.dirname, '..', '..');
const DOC = readFileSync(join(ROOT, 'docs', 'iac.md'), 'utf8');
const WORK = join(ROOT, '.tmp', 'iac-example');

function example(): string {
  const section = DOC.slice(DOC.indexOf('## In a CDK app'));
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('docs/iac.md: no ts block under "In a CDK app"');
  return block;
}

/** The example as a module: the library imported from here, the fixture stack as "your stacks". */
function runnable(block: string): string {
  const stack = "import { ChatStack } from './chat-stack.js'; // your stacks\n";
  expect(block).toContain(stack);
  return block
    .replace("from './lib/index.js'", "from '../../lib/index.js'")
    .replace(
      stack,
      "import { fixtureStack } from '../../test/fixtures/iac/app.js';\n" +
        'class ChatStack {\n  constructor(app: App, _id: string) {\n    fixtureStack(app);\n  }\n}\n',
    )
    .concat('export const assembly = app.synth();\n');
}

describe('docs/iac.md: IvsChatPolicyChecks in an app', () => {
  it('type-checks as written', () => {
    mkdirSync(WORK, { recursive: true });
    writeFileSync(join(WORK, 'example.ts'), runnable(example()));
    writeFileSync(
      join(WORK, 'tsconfig.json'),
      JSON.stringify({
        extends: '../../tsconfig.json',
        include: ['example.ts'],
        compilerOptions: { noEmit: true },
      }),
    );
    let output = '';
    try {
      execFileSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', join(WORK, 'tsconfig.json')], {
        encoding: 'utf8',
      });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error);
    }
    expect(output).toBe('');
  }, 120_000);

  it('runs: the rooms that break a policy get error annotations', async () => {
    mkdirSync(WORK, { recursive: true });
    writeFileSync(join(WORK, 'example-run.ts'), runnable(example()));
    const { assembly } = (await import(join(WORK, 'example-run.ts'))) as { assembly: CloudAssembly };
    const errors = assembly.stacks
      .flatMap((s) => s.messages)
      .filter((m) => m.level === 'error')
      .map((m) => String(m.entry.data));
    expect(errors.some((e) => e.startsWith('[ivschat-audit] message-length-max'))).toBe(true);
  }, 120_000);
});
