import type { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../lib/app.js';
import type { IvsChatAuditorStack } from '../../lib/ivschat-auditor-stack.js';

/** Skips esbuild, so a test synthesizes in well under a second; one test bundles for real. */
export const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

/** The app exactly as `bin/app.ts` builds it, with `context` as if given by `-c key=value`. */
export function synthApp(context: Record<string, unknown> = {}): {
  app: App;
  stack: IvsChatAuditorStack;
  template: Template;
} {
  const { app, stack } = buildApp({ context: { ...NO_BUNDLING, ...context } });
  return { app, stack, template: Template.fromStack(stack) };
}

/** The error `buildApp` throws for this context, or undefined when it succeeds. */
export function synthError(context: Record<string, unknown>): Error | undefined {
  try {
    synthApp(context);
    return undefined;
  } catch (error) {
    return error as Error;
  }
}
