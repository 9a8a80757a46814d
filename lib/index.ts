export * from './app.js';
export * from './config.js';
export * from './ivschat-auditor.js';
export * from './ivschat-auditor-stack.js';
export * from './member-stack.js';
