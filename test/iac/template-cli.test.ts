import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { App, NestedStack, Stack } from 'aws-cdk-lib';
import { CfnRoom } from 'aws-cdk-lib/aws-ivschat';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding, Report } from '../../lambda/core/types.js';
import { DEFAULT_POLICIES_DIR } from '../../lambda/policy/load-dir.js';
import type { SarifLog } from '../../lambda/render/sarif.js';
import { cli } from '../cli/run.js';
import { FIXTURE_ACCOUNT, FIXTURE_STACK, synthFixture } from '../fixtures/iac/app.js';

const PLAN = 'test/fixtures/iac/plan.json';
const YAML = 'test/fixtures/iac/chat.yaml';

let dir: string;
let cdkOut: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'iac-template-'));
  cdkOut = join(dir, 'cdk.out');
  synthFixture(cdkOut);
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What a result says of each room, by the room's name in the declaration. */
function outcome(report: Report, name: (identity: string) => string) {
  return {
    findings: report.findings
      .map((f: Finding) => `${name(f.roomArn)} ${f.policyId} ${f.path} ${f.status}`)
      .sort(),
    notEvaluated: (report.notEvaluated ?? [])
      .flatMap((n) => n.rooms.map((room) => `${name(room)} ${n.policyId}`))
      .sort(),
  };
}

const CFN_NAMES: Record<string, string> = {
  [`cloudformation:${FIXTURE_STACK}/RoomDefaults`]: 'defaults',
  [`cloudformation:${FIXTURE_STACK}/RoomCompliant`]: 'compliant',
  [`cloudformation:${FIXTURE_STACK}/RoomLengthParam`]: 'length-param',
  [`cloudformation:${FIXTURE_STACK}/RoomExistingLogging`]: 'existing-logging',
};
const TF_NAMES: Record<string, string> = {
  'terraform:aws_ivschat_room.defaults': 'defaults',
  'terraform:aws_ivschat_room.compliant': 'compliant',
  'terraform:aws_ivschat_room.length_param': 'length-param',
  'terraform:aws_ivschat_room.existing_logging': 'existing-logging',
};

/** The expected audit of the four fixture rooms with the shipped policies. */
const EXPECTED = {
  findings: [
    'defaults logging-required /loggingConfigurationIdentifiers new',
    'defaults message-length-max /maximumMessageLength new',
    'defaults required-tags /tags/owner new',
    'defaults review-handler-fallback-deny /messageReviewHandler new',
  ],
  notEvaluated: ['existing-logging logging-active', 'length-param message-length-max'],
};

async function jsonReport(...args: string[]) {
  const run = await cli('template', ...args, '--policies', DEFAULT_POLICIES_DIR, '--format', 'json');
  return { ...run, report: JSON.parse(run.stdout) as Report };
}

describe('ivschat-audit template on what cdk synth makes', () => {
  it('reports exactly the defaults room, and says which policies a deploy-time value left unevaluated', async () => {
    const { code, report, stderr } = await jsonReport(cdkOut);
    expect(outcome(report, (id) => CFN_NAMES[id] ?? id)).toEqual(EXPECTED);
    expect(report.roomsAudited).toBe(4);
    expect(report.complete).toBe(true);
    expect(code).toBe(1);
    // The defaults are the service's: the finding shows the 500 CloudFormation leaves the room at.
    const length = report.findings.find((f) => f.policyId === 'message-length-max');
    expect(length).toMatchObject({ actual: 500, accountId: FIXTURE_ACCOUNT, region: 'us-east-1' });
    // cdk.out is generated: the fix leads back to the construct that declares the room.
    expect((length as unknown as { remediation: string }).remediation).toContain(
      `declared by the construct ${FIXTURE_STACK}/RoomDefaults.`,
    );
    // The fix is to the declaration: the room does not exist yet.
    expect((length as unknown as { remediation: string }).remediation).toMatch(
      /^Change MaximumMessageLength of cloudformation:IacFixture\/RoomDefaults in .*IacFixture\.template\.json before it is deployed\./,
    );
    const notes = report.notEvaluated ?? [];
    expect(notes.find((n) => n.policyId === 'message-length-max')?.reason).toContain(
      'MaximumMessageLength is the parameter MaxLength, which has no default',
    );
    expect(notes.find((n) => n.policyId === 'logging-active')?.reason).toContain('does not declare');
    // Not evaluated is a warning on stderr, as audit says it, and never a finding.
    expect(stderr).toContain('warning: message-length-max not evaluated on 1 room');
  });

  it('gives the same result for the same rooms as a terraform show -json plan', async () => {
    const { code, report } = await jsonReport(PLAN);
    expect(outcome(report, (id) => TF_NAMES[id] ?? id)).toEqual(EXPECTED);
    expect(report.notEvaluated?.find((n) => n.policyId === 'message-length-max')?.reason).toContain(
      'maximum_message_length is known only after apply (from random_integer.max_length.result)',
    );
    expect(code).toBe(1);
  });

  it('--strict makes a policy left unevaluated an incomplete run (exit 3), as audit --strict does', async () => {
    const { code } = await cli('template', cdkOut, '--policies', DEFAULT_POLICIES_DIR, '--strict');
    expect(code).toBe(3);
  });

  it('exits 0 when only policies without findings run', async () => {
    const { code } = await cli(
      'template',
      cdkOut,
      '--policies',
      DEFAULT_POLICIES_DIR,
      '--policy',
      'message-rate-max',
    );
    expect(code).toBe(0);
  });
});

describe('cdk.out folders', () => {
  it("read a NestedStack's template too, in its parent's environment; manifest.json names the folder", async () => {
    const outdir = join(dir, 'nested.out');
    const app = new App({ outdir });
    const parent = new Stack(app, 'Parent', { env: { account: FIXTURE_ACCOUNT, region: 'eu-west-1' } });
    const nested = new NestedStack(parent, 'Chat');
    new CfnRoom(nested, 'Lobby', { maximumMessageLength: 400 });
    app.synth();
    for (const path of [outdir, join(outdir, 'manifest.json')]) {
      const { report } = await jsonReport(path, '--policy', 'message-length-max');
      expect(report.findings.map((f) => [f.roomArn.replace(/\/.*$/, ''), f.region, f.actual])).toEqual([
        [expect.stringMatching(/^cloudformation:ParentChat/), 'eu-west-1', 400],
      ]);
    }
  });
});

describe('SARIF locations', () => {
  it('point at the synthesized template and the line of the room a default applies to', async () => {
    const { stdout } = await cli('template', cdkOut, '--policies', DEFAULT_POLICIES_DIR, '-f', 'sarif');
    const sarif = JSON.parse(stdout) as SarifLog;
    const template = join(cdkOut, `${FIXTURE_STACK}.template.json`);
    const lines = readFileSync(template, 'utf8').split('\n');
    const roomLine = lines.findIndex((l) => l.includes('"RoomDefaults": {')) + 1;
    const results = sarif.runs[0]?.results ?? [];
    expect(results).toHaveLength(4);
    for (const result of results) {
      const { artifactLocation, region } = result.locations[0]?.physicalLocation ?? {};
      expect(artifactLocation?.uri).toBe(relative(process.cwd(), template));
      expect(region?.startLine).toBe(roomLine);
    }
  });

  it('point at the offending property in a YAML template with short tags', async () => {
    const { stdout } = await cli(
      'template',
      YAML,
      '--region',
      'us-east-1',
      '--policies',
      DEFAULT_POLICIES_DIR,
      '-f',
      'sarif',
    );
    const results = (JSON.parse(stdout) as SarifLog).runs[0]?.results ?? [];
    const lines = readFileSync(YAML, 'utf8').split('\n');
    const lineOf = (text: string) => lines.findIndex((l) => l.includes(text)) + 1;
    const at = Object.fromEntries(
      results.map((r) => [
        r.ruleId,
        [
          r.locations[0]?.physicalLocation.artifactLocation.uri,
          r.locations[0]?.physicalLocation.region.startLine,
        ],
      ]),
    );
    expect(at).toEqual({
      'message-length-max': [YAML, lineOf('MaximumMessageLength: !Ref Length')],
      'message-rate-max': [YAML, lineOf('MaximumMessageRatePerSecond: !FindInMap')],
    });
  });

  it('point at the offending property in a JSON template', async () => {
    const file = join(dir, 'Chat.template.json');
    const template = {
      Resources: {
        Room: {
          Type: 'AWS::IVSChat::Room',
          Properties: {
            Tags: [
              { Key: 'team', Value: 'x' },
              { Key: 'owner', Value: 'Not A Slug' },
            ],
          },
        },
      },
    };
    writeFileSync(file, JSON.stringify(template, null, 2));
    const { stdout } = await cli(
      'template',
      file,
      '--policies',
      DEFAULT_POLICIES_DIR,
      '--policy',
      'required-tags',
      '--stack-name',
      'Chat',
      '-f',
      'sarif',
    );
    const [result] = (JSON.parse(stdout) as SarifLog).runs[0]?.results ?? [];
    const lines = readFileSync(file, 'utf8').split('\n');
    // The second tag's item: the `{` line of { "Key": "owner", … }.
    const ownerKey = lines.findIndex((l) => l.includes('"owner"'));
    expect(result?.locations[0]?.physicalLocation.region.startLine).toBe(ownerKey);
    expect(result?.properties.roomArn).toBe('cloudformation:Chat/Room');
  });
});

describe('exemptions name a declared room by stack and logical id', () => {
  it.each([
    ['stack and logical id', `cloudformation:${FIXTURE_STACK}/RoomDefaults`],
    [
      'account, region, stack and logical id',
      `cloudformation:${FIXTURE_ACCOUNT}/us-east-1/${FIXTURE_STACK}/RoomDefaults`,
    ],
  ])('exempts the room the exemption names by %s', async (_, key) => {
    const policies = join(dir, 'policies');
    cpSync(DEFAULT_POLICIES_DIR, policies, { recursive: true });
    const file = join(policies, 'required-tags.json');
    const policy = JSON.parse(readFileSync(file, 'utf8'));
    const expires = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    policy.exemptions = [
      {
        rooms: [key],
        reason: 'tagged by the platform team',
        expires,
      },
    ];
    writeFileSync(file, JSON.stringify(policy));
    const { code, stdout } = await cli(
      'template',
      cdkOut,
      '--policies',
      policies,
      '--policy',
      'required-tags',
      '-f',
      'json',
    );
    const [finding] = (JSON.parse(stdout) as Report).findings;
    expect(finding).toMatchObject({ policyId: 'required-tags', status: 'exempt' });
    expect(finding?.exemption?.reason).toBe('tagged by the platform team');
    expect(code).toBe(0);
  });
});

describe('bad input', () => {
  it.each([
    ['a path that does not exist', ['no-such-template.yaml'], /no-such-template\.yaml: no such file/],
    ['a folder that is no cloud assembly', ['test/fixtures/iac'], /not a cdk.out cloud assembly/],
  ])('%s: one line, exit 2', async (_, args, message) => {
    const { code, stderr } = await cli('template', ...args, '--policies', DEFAULT_POLICIES_DIR);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });

  it('refuses to write the report over a template it audits', async () => {
    const file = join(dir, 'keep.yaml');
    writeFileSync(file, readFileSync(YAML, 'utf8'));
    const { code, stderr } = await cli('template', file, '-o', file, '--policies', DEFAULT_POLICIES_DIR);
    expect(code).toBe(2);
    expect(stderr).toContain('the report would overwrite it');
    expect(readFileSync(file, 'utf8')).toBe(readFileSync(YAML, 'utf8'));
  });

  it('a file that is neither JSON nor YAML names the file and line', async () => {
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, 'Resources:\n  Room:\n    Type: [unclosed\n');
    const { code, stderr } = await cli('template', file, '--policies', DEFAULT_POLICIES_DIR);
    expect(code).toBe(2);
    expect(stderr).toMatch(/broken\.yaml:\d+: not a JSON or YAML template/);
  });

  it('a JSON file that is not a template says so', async () => {
    const file = join(dir, 'rooms.json');
    writeFileSync(file, '{"rooms": []}');
    const { code, stderr } = await cli('template', file, '--policies', DEFAULT_POLICIES_DIR);
    expect(code).toBe(2);
    expect(stderr).toContain('not a CloudFormation template');
  });
});

describe('templates read on their own (review 3 #3, #6, #7)', () => {
  const room = (length: number) =>
    `Resources:\n  Room:\n    Type: AWS::IVSChat::Room\n    Properties:\n      Name: !Sub '\${AWS::StackName}-room'\n      MaximumMessageLength: ${length}\n`;

  it('two chat.yaml in two folders stay apart: two identities, two locations, two fingerprints', async () => {
    const a = join(dir, 'svc-a', 'chat.yaml');
    const b = join(dir, 'svc-b', 'chat.yaml');
    for (const [file, length] of [
      [a, 400],
      [b, 450],
    ] as const) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, room(length));
    }
    const run = await cli(
      'template',
      a,
      b,
      '--policies',
      DEFAULT_POLICIES_DIR,
      '--policy',
      'message-length-max',
      '-f',
      'sarif',
    );
    const results = (JSON.parse(run.stdout) as SarifLog).runs[0]?.results ?? [];
    const where = results.map((r) => [
      r.properties.roomArn,
      r.locations[0]?.physicalLocation.artifactLocation.uri,
      r.partialFingerprints['ivschatFinding/v1'],
    ]);
    expect(where).toHaveLength(2);
    expect(new Set(where.map((w) => w[0])).size).toBe(2);
    expect(new Set(where.map((w) => w[2])).size).toBe(2);
    for (const [identity, uri] of where) {
      expect(identity).toBe(`cloudformation:${relative(process.cwd(), String(uri))}/Room`);
    }
  });

  it('the same template given twice is refused: one identity, two declarations', async () => {
    const file = join(dir, 'twice.yaml');
    writeFileSync(file, room(400));
    const { code, stderr } = await cli('template', file, file, '--policies', DEFAULT_POLICIES_DIR);
    expect(code).toBe(2);
    expect(stderr).toContain('is declared twice');
  });

  it('AWS::StackName is unknown unless --stack-name names the stack', async () => {
    const file = join(dir, 'named.yaml');
    writeFileSync(file, room(100));
    const policies = join(dir, 'name-policies');
    mkdirSync(policies, { recursive: true });
    const arn = 'arn:aws:ivschat:us-east-1:111111111111:room/AbCd1234';
    const policy = (id: string, rule: object, pass: object, fail: object) => ({
      id,
      title: id,
      severity: 'low',
      description: id,
      remediation: 'none',
      rule,
      examples: { pass: [{ arn, ...pass }], fail: [{ arn, ...fail }] },
    });
    writeFileSync(
      join(policies, 'name-prefix.json'),
      JSON.stringify(
        policy(
          'name-prefix',
          { properties: { name: { pattern: '^prod-' } } },
          { name: 'prod-a' },
          { name: 'dev-a' },
        ),
      ),
    );
    writeFileSync(
      join(policies, 'has-create-time.json'),
      JSON.stringify(
        policy('has-create-time', { required: ['createTime'] }, { createTime: '2026-01-01T00:00:00Z' }, {}),
      ),
    );
    const unnamed = JSON.parse(
      (await cli('template', file, '--policies', policies, '-f', 'json')).stdout,
    ) as Report;
    expect(unnamed.findings).toEqual([]);
    expect((unnamed.notEvaluated ?? []).map((n) => [n.policyId, n.reason])).toEqual([
      ['has-create-time', expect.stringContaining('createTime is assigned when the room is created')],
      ['name-prefix', expect.stringContaining('the stack is named at deploy')],
    ]);
    const named = JSON.parse(
      (await cli('template', file, '--stack-name', 'dev', '--policies', policies, '-f', 'json')).stdout,
    ) as Report;
    expect(named.findings.map((f) => [f.roomArn, f.policyId, f.actual])).toEqual([
      ['cloudformation:dev/Room', 'name-prefix', 'dev-room'],
    ]);
  });
});

describe('cdk.out stack tags (review 3 #5)', () => {
  it("go onto the stack's rooms, as CloudFormation propagates them; the room's own tag wins", async () => {
    const out = join(dir, 'tagged.out');
    const app = new App({ outdir: out });
    const stack = new Stack(app, 'Tagged', { tags: { owner: 'chat-team', env: 'dev' } });
    new CfnRoom(stack, 'Untagged', {});
    new CfnRoom(stack, 'OwnTag', { tags: [{ key: 'owner', value: 'Not A Slug' }] });
    app.synth();
    const { stdout } = await cli(
      'template',
      out,
      '--policies',
      DEFAULT_POLICIES_DIR,
      '--policy',
      'required-tags',
      '-f',
      'json',
    );
    const report = JSON.parse(stdout) as Report;
    expect(report.findings.map((f) => f.roomArn)).toEqual(['cloudformation:Tagged/OwnTag']);
  });
});

describe('an unnamed room in a template (review 3 #13)', () => {
  it('is shown by its identity, without an empty name or region', async () => {
    const file = join(dir, 'unnamed.yaml');
    writeFileSync(file, 'Resources:\n  Bare:\n    Type: AWS::IVSChat::Room\n');
    const args = ['template', file, '--policies', DEFAULT_POLICIES_DIR, '--policy', 'message-length-max'];
    const text = (await cli(...args)).stdout;
    const sarif = JSON.parse((await cli(...args, '-f', 'sarif')).stdout) as SarifLog;
    const [result] = sarif.runs[0]?.results ?? [];
    const identity = `cloudformation:${relative(process.cwd(), file)}/Bare`;
    expect(text).not.toContain('()');
    expect(text).toContain(`${identity}  maximumMessageLength is 500`);
    expect(result?.message.text).toMatch(
      new RegExp(`^${identity.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `),
    );
    expect(result?.locations[0]?.logicalLocations?.[0]?.name).toBe(identity);
  });
});
