import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  BASELINE_CONTEXTS,
  recordedTemplate,
  synthesizedTemplates,
  TEMPLATE_DIR,
} from './template-baseline.js';

// Recorded before the redesign (issue 23), compared as data (the files are formatted by biome). A difference here is a change to what `cdk deploy` does to
// an existing stack: a renamed logical id replaces the resource (the state table, the topic).
describe('the synthesized templates, apart from asset hashes, are the recorded ones', () => {
  for (const [name, context] of Object.entries(BASELINE_CONTEXTS)) {
    it(`${name}: every stack the app makes`, () => {
      const templates = synthesizedTemplates(context);
      const recorded = readdirSync(TEMPLATE_DIR).filter((file) => file.startsWith(`${name}.`));
      expect(
        Object.keys(templates)
          .map((stack) => `${name}.${stack}.json`)
          .sort(),
      ).toEqual(recorded.sort());
      for (const [stackName, text] of Object.entries(templates)) {
        expect(JSON.parse(text), `${name}.${stackName}.json`).toEqual(
          JSON.parse(recordedTemplate(name, stackName)),
        );
      }
    });
  }
});
