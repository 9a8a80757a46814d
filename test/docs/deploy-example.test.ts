import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// docs/deploy.md shows how to use the construct in your own CDK app. The props changed shape once
// (grouped by concern); this keeps the example compiling and synthesizing as written.
const ROOT = join(import.meta.dirname, '..', '..');
const DOC = readFileSync(join(ROOT, 'docs', 'deploy.md'), 'utf8');
const WORK = join(ROOT, '.tmp', 'deploy-example');

function example(): string {
  const section = DOC.slice(DOC.indexOf('### Using the construct in your own CDK app'));
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('docs/deploy.md: no ts block under "Using the construct in your own CDK app"');
  return block;
}

/** The example as a module: its `stack` made, the library imported from here, our policies folder. */
function runnable(block: string): string {
  const body = block
    .replace("from './lib/index.js'", "from '../../lib/index.js'")
    .replace("'/path/to/your/policies'", JSON.stringify(join(ROOT, 'policies')));
  const setup =
    "const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });\n" +
    "export const stack = new Stack(app, 'DocExample', { env: { account: '123456789012', region: 'us-east-1' } });\n";
  return `import { App, Stack } from 'aws-cdk-lib';\n${body.replace('\nconst vpc', `\n${setup}const vpc`)}`.concat(
    'export const template = app.synth().getStackByName(stack.stackName).template;\nexport { audit };\n',
  );
}

describe('docs/deploy.md: using the construct in your own app', () => {
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
    // tsc exits non-zero with the errors on stdout: the assertion shows them.
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

  it('synthesizes: the topic is the imported one, with the email subscribed', async () => {
    mkdirSync(WORK, { recursive: true });
    writeFileSync(join(WORK, 'example-run.ts'), runnable(example()));
    const { template } = (await import(join(WORK, 'example-run.ts'))) as {
      template: { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };
    };
    const resources = Object.values(template.Resources);
    expect(resources.filter((r) => r.Type === 'AWS::SNS::Topic')).toEqual([]);
    const subscriptions = resources.filter((r) => r.Type === 'AWS::SNS::Subscription');
    expect(subscriptions.map((s) => [s.Properties?.Endpoint, s.Properties?.TopicArn])).toEqual([
      ['ops@example.com', 'arn:aws:sns:us-east-1:123456789012:security-alerts'],
    ]);
    expect(resources.some((r) => r.Type === 'AWS::StepFunctions::StateMachine')).toBe(true);
  }, 120_000);
});
