// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${…}` is CloudFormation's Fn::Sub syntax here, not JavaScript's
import { describe, expect, it } from 'vitest';
import { evaluateRoom } from '../../lambda/audit/evaluate.js';
import { InputError } from '../../lambda/core/errors.js';
import { cloudFormationRooms } from '../../lambda/iac/cfn-rooms.js';
import { NO_VALUE, resolveValue, type TemplateScope } from '../../lambda/iac/cfn-values.js';
import { lineOf } from '../../lambda/iac/declared-room.js';
import { auditDeclaredRooms } from '../../lambda/iac/evaluate.js';
import { MAX_TEXT_LENGTH, parseTemplateText } from '../../lambda/iac/parse-template.js';
import { terraformRooms } from '../../lambda/iac/terraform-rooms.js';
import { loadPolicyDir } from '../../lambda/policy/load-dir.js';
import { compliantRoom } from '../fixtures.js';

const NOW = '2026-06-01T12:00:00.000Z';
const policies = loadPolicyDir().policies;

describe('parseTemplateText', () => {
  it('turns the short tags into their long form, on scalars, sequences and mappings', () => {
    const { value } = parseTemplateText(
      [
        'A: !Ref Param',
        'B: !GetAtt Logs.Arn',
        'C: !Sub "${AWS::StackName}-x"',
        'D: !If [Cond, 1, 2]',
        'E: !Sub',
        '  - "${X}"',
        '  - { X: !ImportValue shared }',
        'F: !Join [",", [a, !Ref B]]',
      ].join('\n'),
      't.yaml',
    );
    expect(value).toEqual({
      A: { Ref: 'Param' },
      B: { 'Fn::GetAtt': ['Logs', 'Arn'] },
      C: { 'Fn::Sub': '${AWS::StackName}-x' },
      D: { 'Fn::If': ['Cond', 1, 2] },
      E: { 'Fn::Sub': ['${X}', { X: { 'Fn::ImportValue': 'shared' } }] },
      F: { 'Fn::Join': [',', ['a', { Ref: 'B' }]] },
    });
  });

  it('records the line of every key and list item, JSON and YAML alike', () => {
    const json = parseTemplateText(
      '{\n  "Resources": {\n    "Room/1": {\n      "Tags": [\n        {"Key": "a"}\n      ]\n    }\n  }\n}',
      't.json',
    );
    expect(json.lines.get('/Resources')).toBe(2);
    expect(json.lines.get('/Resources/Room~11')).toBe(3);
    expect(json.lines.get('/Resources/Room~11/Tags/0')).toBe(5);
    const yaml = parseTemplateText('Resources:\n  Room:\n    Tags:\n      - Key: a\n', 't.yaml');
    expect(yaml.lines.get('/Resources/Room/Tags/0')).toBe(4);
  });

  it.each([
    [
      'aliases that expand exponentially',
      Array.from({ length: 10 }, (_, i) =>
        i === 0
          ? 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]'
          : `a${i}: &a${i} [${Array(10)
              .fill(`*a${i - 1}`)
              .join(', ')}]`,
      ).join('\n'),
      /aliases expand too far/,
    ],
    ['an alias inside its own anchor', 'a: &a [*a]', /aliases expand too far/],
    [
      'nesting deeper than a template goes',
      Array.from({ length: 300 }, (_, i) => `${' '.repeat(i)}k:`).join('\n'),
      /nested more than/,
    ],
  ])('refuses %s (an untrusted file) with an InputError', (_, text, message) => {
    expect(() => parseTemplateText(text, 'hostile.yaml')).toThrow(message);
  });

  // Review 3: each alias re-expands its whole anchor, so a small file with a long anchored list and
  // many aliases to it grows to millions of nodes; the budget charges each alias its anchor's size.
  it.each([
    ['6.7 KB: 900 aliases of a 2000-item list', 2000, 900],
    ['67 KB: 9000 aliases of a 20000-item list', 20_000, 9000],
  ])(
    'refuses a linear alias amplification (%s) with one InputError, without expanding it',
    (_, items, aliases) => {
      const text = `a: &a [${Array(items).fill('1').join(',')}]\nb: [${Array(aliases).fill('*a').join(',')}]\n`;
      expect(() => parseTemplateText(text, 'hostile.yaml')).toThrow(/aliases expand too far/);
      expect(() => parseTemplateText(text, 'hostile.yaml')).toThrow(InputError);
    },
  );

  it('keeps a few aliases of a small anchor, and points their lines at the alias, not inside the anchor', () => {
    const text = 'Tags: &t\n  - Key: a\n    Value: b\nResources:\n  Room:\n    Tags: *t\n';
    const { value, lines } = parseTemplateText(text, 't.yaml');
    expect(value).toMatchObject({ Resources: { Room: { Tags: [{ Key: 'a', Value: 'b' }] } } });
    expect(lines.get('/Resources/Room/Tags')).toBe(6);
    expect(lines.get('/Resources/Room/Tags/0')).toBeUndefined();
  });

  it('refuses text longer than a template may be before parsing it', () => {
    expect(() => parseTemplateText(' '.repeat(MAX_TEXT_LENGTH + 1), 'big.yaml')).toThrow(InputError);
  });

  it('refuses what is not JSON or YAML, naming the file and line', () => {
    expect(() => parseTemplateText('a: [1,\nb: }', 'bad.yaml')).toThrow(
      /^bad\.yaml:\d+: not a JSON or YAML template/,
    );
  });
});

describe('resolveValue', () => {
  const scope: TemplateScope = {
    stackName: 'Chat',
    region: 'eu-west-1',
    parameters: {
      WithDefault: { Type: 'Number', Default: '150' },
      NoDefault: { Type: 'String' },
      FromSsm: { Type: 'AWS::SSM::Parameter::Value<String>', Default: '/chat/length' },
      Owners: { Type: 'CommaDelimitedList', Default: 'a,b' },
    },
    mappings: { Sizes: { 'eu-west-1': { Length: 120 } } },
    resources: {
      Logs: { Type: 'AWS::IVSChat::LoggingConfiguration' },
      Fn: { Type: 'AWS::Lambda::Function' },
    },
    followed: new Map([['Logs', 'cloudformation:Chat/Logs']]),
  };
  const known = (value: unknown) => ({ known: true, value });

  it.each([
    ['a parameter default', { Ref: 'WithDefault' }, known('150')],
    ['a list parameter', { Ref: 'Owners' }, known(['a', 'b'])],
    [
      'a pseudo parameter of a known stack',
      { 'Fn::Sub': '${AWS::StackName}-${AWS::Region}' },
      known('Chat-eu-west-1'),
    ],
    ['an escaped Sub variable', { 'Fn::Sub': '${!Literal}' }, known('${Literal}')],
    ['a mapping', { 'Fn::FindInMap': ['Sizes', { Ref: 'AWS::Region' }, 'Length'] }, known(120)],
    ['a join', { 'Fn::Join': ['-', ['a', { Ref: 'WithDefault' }]] }, known('a-150')],
    ['a select', { 'Fn::Select': [1, ['a', 'b']] }, known('b')],
    ['a logging configuration', { 'Fn::GetAtt': ['Logs', 'Arn'] }, known('cloudformation:Chat/Logs')],
    ['NoValue', { Ref: 'AWS::NoValue' }, known(NO_VALUE)],
  ])('knows %s', (_, value, expected) => {
    expect(resolveValue(value, scope)).toEqual(expected);
  });

  it.each([
    ['a parameter without default', { Ref: 'NoDefault' }, 'has no default'],
    ['a parameter read from SSM', { Ref: 'FromSsm' }, 'read from Systems Manager'],
    ['an import', { 'Fn::ImportValue': 'x' }, 'imported from another stack'],
    ['another resource', { 'Fn::GetAtt': ['Fn', 'Arn'] }, 'the Arn of the resource Fn'],
    ['a condition', { 'Fn::If': ['Prod', 1, 2] }, 'the condition Prod'],
    [
      'the account of an environment-agnostic stack',
      { Ref: 'AWS::AccountId' },
      'AWS::AccountId, known only at deploy',
    ],
    ['a part of a list', ['a', { Ref: 'NoDefault' }], 'has no default'],
  ])('leaves %s unknown, saying why', (_, value, reason) => {
    const resolved = resolveValue(value, scope);
    expect(resolved.known).toBe(false);
    expect(resolved.known ? '' : resolved.reason).toContain(reason);
  });
});

describe('cloudFormationRooms', () => {
  const origin = {
    file: 't.json',
    stackName: 'Chat',
    accountId: '123456789012',
    region: 'us-east-1',
    lines: new Map(),
  };

  it('fills the service defaults, as GetRoom prints a room created without them', () => {
    const [room] = cloudFormationRooms({ Resources: { Room: { Type: 'AWS::IVSChat::Room' } } }, origin);
    expect(room?.document).toEqual({
      arn: 'cloudformation:Chat/Room',
      name: '',
      maximumMessageLength: 500,
      maximumMessageRatePerSecond: 10,
      loggingConfigurationIdentifiers: [],
      loggingConfigurations: [],
      tags: {},
    });
    // Only what the service assigns at creation is unknown (review 3 #7).
    expect([...(room?.unresolved.keys() ?? [])].sort()).toEqual(['arn', 'createTime', 'id', 'updateTime']);
  });

  it('maps the properties to GetRoom fields, a handler without FallbackResult falling back to ALLOW', () => {
    const [room] = cloudFormationRooms(
      {
        Resources: {
          Logs: {
            Type: 'AWS::IVSChat::LoggingConfiguration',
            Properties: { Name: 'logs', DestinationConfiguration: { S3: { BucketName: 'chat-bucket' } } },
          },
          Room: {
            Type: 'AWS::IVSChat::Room',
            Properties: {
              Name: 'lobby',
              MaximumMessageLength: '120',
              MessageReviewHandler: { Uri: 'arn:aws:lambda:us-east-1:123456789012:function:review' },
              LoggingConfigurationIdentifiers: [{ Ref: 'Logs' }],
              Tags: [{ Key: 'owner', Value: 'chat' }],
            },
          },
        },
      },
      origin,
    );
    expect(room?.document).toMatchObject({
      name: 'lobby',
      maximumMessageLength: 120,
      messageReviewHandler: {
        uri: 'arn:aws:lambda:us-east-1:123456789012:function:review',
        fallbackResult: 'ALLOW',
      },
      loggingConfigurationIdentifiers: ['cloudformation:Chat/Logs'],
      loggingConfigurations: [
        {
          arn: 'cloudformation:Chat/Logs',
          name: 'logs',
          state: 'ACTIVE',
          destinationType: 's3',
          destination: 'chat-bucket',
        },
      ],
      tags: { owner: 'chat' },
    });
  });

  it('finds the line of a property, else of the room', () => {
    const { value, lines } = parseTemplateText(
      'Resources:\n  Room:\n    Type: AWS::IVSChat::Room\n    Properties:\n      Tags:\n        - Key: team\n          Value: x\n        - Key: owner\n          Value: X\n',
      't.yaml',
    );
    const [room] = cloudFormationRooms(value, { ...origin, lines });
    if (!room) throw new Error('no room');
    expect(lineOf(room, '/tags/owner')).toBe(8);
    // A property left out (a default applies) points at the room itself.
    expect(lineOf(room, '/maximumMessageLength')).toBe(2);
    expect(lineOf(room, '/accountId')).toBe(2);
  });
});

describe('auditDeclaredRooms', () => {
  it('skips a policy whose appliesTo leaves the room out, even when its rule reads an unknown field', () => {
    // review-handler-same-account applies to rooms with a handler and reads accountId: a room
    // without a handler in an environment-agnostic stack is outside it, not "not evaluated".
    const [room] = cloudFormationRooms(
      { Resources: { Room: { Type: 'AWS::IVSChat::Room' } } },
      { file: 't.json', stackName: 'Chat', lines: new Map() },
    );
    if (!room) throw new Error('no room');
    const report = auditDeclaredRooms([room], policies, { startedAt: NOW, finishedAt: NOW });
    expect(report.notEvaluated?.map((n) => n.policyId) ?? []).not.toContain('review-handler-same-account');
  });

  it('judges a known document as the live audit judges the same GetRoom document', () => {
    const [room] = cloudFormationRooms(
      {
        Resources: {
          Room: {
            Type: 'AWS::IVSChat::Room',
            Properties: { MaximumMessageLength: 400, Tags: [{ Key: 'owner', Value: 'chat' }] },
          },
        },
      },
      { file: 't.json', stackName: 'Chat', accountId: '123456789012', region: 'us-east-1', lines: new Map() },
    );
    if (!room) throw new Error('no room');
    const declared = auditDeclaredRooms([room], policies, { startedAt: NOW, finishedAt: NOW });
    const live = evaluateRoom({ ...room.document }, policies, {
      now: NOW,
      accountId: '123456789012',
      region: 'us-east-1',
    });
    const shown = (findings: { policyId: string; path: string; message: string }[]) =>
      findings.map((f) => `${f.policyId} ${f.path} ${f.message}`).sort();
    expect(shown(declared.findings)).toEqual(shown(live.findings));
    expect(declared.findings).toHaveLength(3);
  });
});

describe('exemptions by stack and logical id on a deployed room', () => {
  const expires = '2026-12-31';
  const [base] = loadPolicyDir().policies.filter((p) => p.policy.id === 'message-length-max');
  const exempting = (key: string) => {
    if (!base) throw new Error('no policy');
    const exemption = { rooms: [key], reason: 'long Q&A', expires };
    return { ...base, exemptions: new Map([[key, [exemption]]]) };
  };
  /** The room CloudFormation created for Chat/LOGICAL_ID in ACCOUNT (the same app deployed twice). */
  const deployed = (account: string, logicalId: string) =>
    compliantRoom({
      arn: `arn:aws:ivschat:us-east-1:${account}:room/AbCdEf${account.slice(-6)}`,
      maximumMessageLength: 400,
      tags: {
        owner: 'chat',
        'aws:cloudformation:stack-name': 'Chat',
        'aws:cloudformation:logical-id': logicalId,
      },
    });
  const status = (room: ReturnType<typeof compliantRoom>, key: string) =>
    evaluateRoom(room, [exempting(key)], { now: NOW }).findings[0]?.status;

  // Review 3 #4: stack names are unique per account and region only; an organization-wide run
  // must not exempt prod's Chat/Lobby because dev's was exempted.
  it('exempt the room of the account and region named, not the same-named stack of another account', () => {
    const key = 'cloudformation:111111111111/us-east-1/Chat/Lobby';
    expect(status(deployed('111111111111', 'Lobby'), key)).toBe('exempt');
    expect(status(deployed('222222222222', 'Lobby'), key)).toBe('new');
    expect(status(deployed('111111111111', 'Other'), key)).toBe('new');
  });

  it('an exemption without account and region matches no deployed room (declared rooms only)', () => {
    expect(status(deployed('111111111111', 'Lobby'), 'cloudformation:Chat/Lobby')).toBe('new');
  });

  it('the account and region come from the ARN, never from tags', () => {
    const room = deployed('222222222222', 'Lobby');
    room.tags = {
      ...(room.tags as object),
      'aws:cloudformation:stack-id': 'arn:aws:cloudformation:us-east-1:111111111111:stack/Chat/x',
    };
    expect(status(room, 'cloudformation:111111111111/us-east-1/Chat/Lobby')).toBe('new');
  });
});

describe('terraformRooms', () => {
  /** A plan of one room: its planned values, its change's after_unknown, its configured expressions. */
  function planOf(
    values: Record<string, unknown>,
    afterUnknown: Record<string, unknown>,
    expressions: Record<string, unknown>,
  ) {
    const address = 'aws_ivschat_room.r';
    const resource = { address, mode: 'managed', type: 'aws_ivschat_room', name: 'r' };
    return {
      format_version: '1.2',
      planned_values: { root_module: { resources: [{ ...resource, values }] } },
      resource_changes: [{ address, change: { actions: ['create'], after_unknown: afterUnknown } }],
      configuration: { root_module: { resources: [{ address, expressions }] } },
    };
  }

  it('gives a review handler without fallback_result the service default ALLOW', () => {
    const uri = 'arn:aws:lambda:us-east-1:123456789012:function:review';
    const [room] = terraformRooms(
      planOf(
        { message_review_handler: [{ uri }] },
        { message_review_handler: [{ fallback_result: true }] },
        { message_review_handler: [{ uri: { constant_value: uri } }] },
      ),
      'plan.json',
      new Map(),
    );
    expect(room?.document.messageReviewHandler).toEqual({ uri, fallbackResult: 'ALLOW' });
    expect(room?.unresolved.has('messageReviewHandler')).toBe(false);
  });

  it('leaves a handler whose function is created in the same apply unknown, naming the reference', () => {
    const [room] = terraformRooms(
      planOf(
        { message_review_handler: [{ fallback_result: 'DENY' }] },
        { message_review_handler: [{ uri: true }] },
        { message_review_handler: [{ uri: { references: ['aws_lambda_function.review.arn'] } }] },
      ),
      'plan.json',
      new Map(),
    );
    expect(room?.unresolved.get('messageReviewHandler')).toBe(
      'message_review_handler.uri is known only after apply (from aws_lambda_function.review.arn)',
    );
  });

  it('leaves tags with a value known only after apply unknown, not missing', () => {
    const [room] = terraformRooms(
      planOf(
        { tags: { team: 'chat' } },
        { tags: { owner: true }, tags_all: true },
        { tags: { references: ['random_pet.owner.id'] } },
      ),
      'plan.json',
      new Map(),
    );
    expect(room?.unresolved.get('tags')).toBe('tags is known only after apply (from random_pet.owner.id)');
    expect(room?.document.tags).toBeUndefined();
  });
});
