#!/usr/bin/env node
import { terminalSafe } from '../lambda/render/terminal.js';
import { buildApp } from '../lib/app.js';
import { InvalidContextError } from '../lib/config.js';

try {
  buildApp().app.synth();
} catch (error) {
  // Configuration and policy problems are the user's to fix: show the message, not a stack trace.
  if (
    error instanceof InvalidContextError ||
    (error instanceof Error && error.message.startsWith('ivschat-auditor:'))
  ) {
    // The message may quote a policy file (a pull request's), and synth runs in CI logs.
    console.error(terminalSafe(error.message));
    process.exit(1);
  }
  throw error;
}
