#!/usr/bin/env node
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
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
