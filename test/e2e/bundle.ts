/**
 * The handler as it ships: what `cdk synth` bundled (esbuild, as NodejsFunction does) for one function
 * of the template, run in a fresh Node process with the environment the template gives it, as the
 * Lambda runtime would.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Stack } from 'aws-cdk-lib';
import type { CfnFunction, IFunction } from 'aws-cdk-lib/aws-lambda';

export interface BundledFunction {
  /** The asset folder (LAMBDA_TASK_ROOT). */
  assetDir: string;
  /** The bundle file, without `.mjs`, and its handler export. */
  file: string;
  exportName: string;
  /** The function's environment as the template sets it (deploy-time values are objects). */
  variables: Record<string, unknown>;
}

/** One function of a synthesized stack's template (`outdir` is the app's cloud assembly). */
export function bundledFunction(
  outdir: string,
  template: { Resources: Record<string, { Properties?: unknown }> },
  stack: Stack,
  fn: IFunction,
): BundledFunction {
  const id = stack.getLogicalId(fn.node.defaultChild as CfnFunction);
  const props = template.Resources[id]?.Properties as {
    Code: { S3Key: string };
    Handler: string;
    Environment: { Variables: Record<string, unknown> };
  };
  // The asset folder is named after the asset hash, which is the S3 key without '.zip'.
  const assetDir = join(outdir, `asset.${props.Code.S3Key.replace(/\.zip$/, '')}`);
  const [file = 'index', exportName = 'handler'] = props.Handler.split('.');
  return { assetDir, file, exportName, variables: props.Environment.Variables };
}

/** The source files the bundle was built from (its source map). */
export function bundleSources(fn: BundledFunction): string[] {
  const map = JSON.parse(readFileSync(join(fn.assetDir, `${fn.file}.mjs.map`), 'utf8')) as {
    sources: string[];
  };
  return map.sources;
}

/**
 * A script that does what the Lambda runtime does: import the bundle, call the export with the event
 * read from the file named by its first argument, and write `{ value }` or, when the handler throws,
 * `{ error: { name, message } }` (the invocation error Lambda reports) to the file named by its second.
 */
export function writeInvoker(dir: string, fn: BundledFunction): string {
  const script = join(dir, `invoke-${fn.file}-${fn.exportName}.mjs`);
  const bundle = pathToFileURL(join(fn.assetDir, `${fn.file}.mjs`)).href;
  writeFileSync(
    script,
    [
      "import { readFileSync, writeFileSync } from 'node:fs';",
      `const { ${fn.exportName}: handler } = await import(${JSON.stringify(bundle)});`,
      "const event = JSON.parse(readFileSync(process.argv[2], 'utf8'));",
      'let outcome;',
      'try {',
      '  outcome = { value: await handler(event, { getRemainingTimeInMillis: () => 900_000 }) };',
      '} catch (error) {',
      '  outcome = { error: { name: error?.name, message: error?.message } };',
      '}',
      'writeFileSync(process.argv[3], JSON.stringify(outcome));',
    ].join('\n'),
  );
  return script;
}

/**
 * The function's environment as the template sets it. Values CloudFormation fills in at deploy time
 * (the topic ARN, the table name) are replaced with the local ones; any other such value is an error,
 * so a new one is noticed here.
 */
export function functionEnvironment(
  variables: Record<string, unknown>,
  deployTime: Record<string, string>,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(variables).map(([name, value]) => {
      if (typeof value === 'string') return [name, value];
      const local = deployTime[name];
      if (local === undefined) throw new Error(`${name} is set at deploy time (${JSON.stringify(value)})`);
      return [name, local];
    }),
  );
}
