import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICIES_DIR } from '../../lambda/policy/load-dir.js';
import { buildApp } from '../../lib/app.js';
import { NO_BUNDLING } from './synth.js';

const PAYMENTS = 'arn:aws:sns:us-east-1:000000000000:payments-alerts';
const VIDEO = 'arn:aws:sns:eu-west-1:000000000000:video-alerts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'routes-stack-'));
  cpSync(DEFAULT_POLICIES_DIR, dir, { recursive: true });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Every Resource of the function roles' statements that allow sns:Publish. */
function publishResources(template: Template): unknown[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies).flatMap((policy) =>
    (policy.Properties.PolicyDocument.Statement as { Action: unknown; Resource: unknown }[])
      .filter(
        (s) => s.Action === 'sns:Publish' || (Array.isArray(s.Action) && s.Action.includes('sns:Publish')),
      )
      .map((s) => s.Resource),
  );
}

describe('the stack with a routes file', () => {
  it('may publish to exactly the topics the routes file lists, besides its own', () => {
    writeFileSync(
      join(dir, 'routes.json'),
      JSON.stringify({
        routes: [
          { id: 'payments', match: { tags: { team: ['payments'] } }, destination: PAYMENTS },
          { id: 'owners', match: {}, destination: { tag: 'owner', topics: { video: VIDEO, pay: PAYMENTS } } },
        ],
      }),
    );
    const { stack } = buildApp({ context: NO_BUNDLING }, { policiesDir: dir });
    const resources = publishResources(Template.fromStack(stack));
    expect(resources.length).toBeGreaterThan(0);
    for (const resource of resources) {
      expect(resource).toEqual([{ Ref: expect.stringMatching(/Alerts/) }, PAYMENTS, VIDEO]);
    }
    expect(stack.auditor.routeTopics.map((t) => t.topicArn)).toEqual([PAYMENTS, VIDEO]);
  });

  it('publishes to its own topic only without one', () => {
    const { stack } = buildApp({ context: NO_BUNDLING }, { policiesDir: dir });
    const resources = publishResources(Template.fromStack(stack));
    expect(resources.length).toBeGreaterThan(0);
    for (const resource of resources) {
      expect(resource).toEqual({ Ref: expect.stringMatching(/Alerts/) });
    }
    expect(stack.auditor.routeTopics).toEqual([]);
  });

  it('refuses to synthesize with a broken routes file, naming it and the pointer', () => {
    writeFileSync(
      join(dir, 'routes.json'),
      JSON.stringify({ routes: [{ id: 'x', match: {}, destination: 'x' }] }),
    );
    expect(() => buildApp({ context: NO_BUNDLING }, { policiesDir: dir })).toThrow(
      /invalid policy, not deploying: .*routes\.json \/routes\/0\/destination/,
    );
  });
});
