import {
  AccessDeniedException as AccessDeniedExceptionIvschat,
  CreateRoomCommand,
  GetRoomCommand,
  IvschatClient,
  ListRoomsCommand,
  ResourceNotFoundException,
  UpdateRoomCommand,
} from '@aws-sdk/client-ivschat';
import {
  AccessDeniedException,
  InvalidInputException,
  ListAccountsCommand,
  OrganizationsClient,
  paginateListAccounts,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterEach, describe, expect, it } from 'vitest';
import { type LocalAws, type LocalAwsOptions, startLocalAws } from '../../local-aws/index.js';
import { credentials, rejection, sts } from './helpers.js';

const MEMBER_A = '111111111111';
const MEMBER_B = '222222222222';

let aws: LocalAws | undefined;
afterEach(async () => {
  await aws?.close();
  aws = undefined;
});

async function start(options: LocalAwsOptions = {}): Promise<LocalAws> {
  aws = await startLocalAws(options);
  return aws;
}

type Creds = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

async function assume(
  server: LocalAws,
  accountId: string,
  roleName = 'ivschat-auditor-member',
): Promise<Creds> {
  const res = await sts(server).send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${accountId}:role/${roleName}`,
      RoleSessionName: 'ivschat-audit',
    }),
  );
  return {
    accessKeyId: res.Credentials?.AccessKeyId as string,
    secretAccessKey: res.Credentials?.SecretAccessKey as string,
    sessionToken: res.Credentials?.SessionToken as string,
  };
}

function ivschatAs(
  server: LocalAws,
  creds: Creds,
  region = 'us-east-1',
  maxAttempts?: number,
): IvschatClient {
  return new IvschatClient({
    endpoint: server.endpoint,
    region,
    credentials: creds,
    ...(maxAttempts ? { maxAttempts } : {}),
  });
}

function organizations(server: LocalAws, creds: Creds = credentials): OrganizationsClient {
  return new OrganizationsClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: creds });
}

describe('STS AssumeRole', () => {
  it('returns credentials and the assumed-role user in the model shape, and GetCallerIdentity answers the assumed account', async () => {
    const server = await start({ accounts: [MEMBER_A] });
    const before = Date.now();
    const res = await sts(server).send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${MEMBER_A}:role/ivschat-auditor-member`,
        RoleSessionName: 'audit-run',
        DurationSeconds: 900,
      }),
    );
    expect(res.Credentials?.AccessKeyId).toMatch(/^ASIA\w{16}$/);
    expect(res.Credentials?.SecretAccessKey).toEqual(expect.any(String));
    expect(res.Credentials?.SessionToken).toEqual(expect.any(String));
    expect(res.Credentials?.Expiration).toBeInstanceOf(Date);
    const expiresInMs = (res.Credentials?.Expiration?.getTime() ?? 0) - before;
    expect(expiresInMs).toBeGreaterThan(899_000);
    expect(expiresInMs).toBeLessThanOrEqual(900_000);
    expect(res.AssumedRoleUser?.Arn).toBe(
      `arn:aws:sts::${MEMBER_A}:assumed-role/ivschat-auditor-member/audit-run`,
    );
    expect(res.AssumedRoleUser?.AssumedRoleId).toMatch(/^AROA\w{17}:audit-run$/);

    const asMember = new STSClient({
      endpoint: server.endpoint,
      region: 'eu-west-1',
      credentials: {
        accessKeyId: res.Credentials?.AccessKeyId as string,
        secretAccessKey: res.Credentials?.SecretAccessKey as string,
        sessionToken: res.Credentials?.SessionToken as string,
      },
    });
    const id = await asMember.send(new GetCallerIdentityCommand({}));
    expect(id).toMatchObject({
      Account: MEMBER_A,
      Arn: res.AssumedRoleUser?.Arn,
      UserId: res.AssumedRoleUser?.AssumedRoleId,
    });
    const plain = await sts(server).send(new GetCallerIdentityCommand({}));
    expect(plain.Account).toBe('000000000000');
  });

  it('a client signed with assumed credentials sees and creates only that account’s rooms', async () => {
    const server = await start({
      seed: [
        { name: 'management-room' },
        { name: 'a-room', accountId: MEMBER_A },
        { name: 'a-room-eu', accountId: MEMBER_A, region: 'eu-west-1' },
        { name: 'b-room', accountId: MEMBER_B },
      ],
    });
    const a = await assume(server, MEMBER_A);
    const b = await assume(server, MEMBER_B);

    const listNames = async (client: IvschatClient) =>
      ((await client.send(new ListRoomsCommand({}))).rooms ?? []).map((r) => r.name);
    expect(await listNames(ivschatAs(server, a))).toEqual(['a-room']);
    expect(await listNames(ivschatAs(server, a, 'eu-west-1'))).toEqual(['a-room-eu']);
    expect(await listNames(ivschatAs(server, b))).toEqual(['b-room']);
    expect(await listNames(ivschatAs(server, credentials))).toEqual(['management-room']);

    const created = await ivschatAs(server, a).send(new CreateRoomCommand({ name: 'made-by-a' }));
    expect(created.arn).toMatch(new RegExp(`^arn:aws:ivschat:us-east-1:${MEMBER_A}:room/`));
    expect(server.rooms('us-east-1', MEMBER_A).map((r) => r.name)).toEqual(['made-by-a', 'a-room']);

    const err = await rejection(ivschatAs(server, b).send(new GetRoomCommand({ identifier: created.arn })));
    expect(err).toBeInstanceOf(ResourceNotFoundException);
  });

  it('quotas and stats are per account × region', async () => {
    const server = await start({ seed: [{ name: 'm' }, { name: 'a', accountId: MEMBER_A }] });
    const [mgmtRoom] = server.rooms('us-east-1', '000000000000');
    const [aRoom] = server.rooms('us-east-1', MEMBER_A);
    const a = await assume(server, MEMBER_A);
    const burst = async (client: IvschatClient, arn: string, n: number) =>
      Promise.allSettled(
        Array.from({ length: n }, () => client.send(new GetRoomCommand({ identifier: arn }))),
      );

    const mgmt = await burst(ivschatAs(server, credentials, 'us-east-1', 1), mgmtRoom?.arn as string, 8);
    expect(mgmt.filter((r) => r.status === 'rejected').length).toBeGreaterThan(0);
    // The management account used up its GetRoom burst; member A's bucket is untouched.
    const member = await burst(ivschatAs(server, a, 'us-east-1', 1), aRoom?.arn as string, 5);
    expect(member.every((r) => r.status === 'fulfilled')).toBe(true);

    expect(server.stats(MEMBER_A)['us-east-1']?.GetRoom).toMatchObject({ calls: 5, throttled: 0 });
    expect(server.stats('000000000000')['us-east-1']?.GetRoom?.calls).toBe(8);
    expect(server.stats()['us-east-1']?.GetRoom?.calls).toBe(13);
  });

  it('answers AccessDenied 403 for accounts denied by the fault option, unknown accounts and suspended accounts', async () => {
    const server = await start({
      accounts: [MEMBER_A, MEMBER_B, { id: '333333333333', status: 'SUSPENDED' }],
      faults: { assumeRoleDeniedAccounts: [MEMBER_B] },
    });
    for (const account of [MEMBER_B, '999999999999', '333333333333']) {
      const roleArn = `arn:aws:iam::${account}:role/ivschat-auditor-member`;
      const err = await rejection(
        sts(server).send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'audit' })),
      );
      expect(err.name).toBe('AccessDenied');
      expect(err.$metadata).toMatchObject({ httpStatusCode: 403 });
      expect(err.message).toBe(
        `User: arn:aws:iam::000000000000:user/local-aws is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
      );
    }
    await assume(server, MEMBER_A);

    server.setFaults({});
    await assume(server, MEMBER_B);
    const overHttp = await fetch(`${server.endpoint}/_local/faults`, {
      method: 'PUT',
      body: JSON.stringify({ assumeRoleDeniedAccounts: [MEMBER_A] }),
    });
    expect(overHttp.status).toBe(200);
    expect((await rejection(assume(server, MEMBER_A))).name).toBe('AccessDenied');
  });

  it('accessDeniedAccounts: IVS Chat calls by that account (or by it in one region) answer AccessDeniedException 403', async () => {
    const server = await start({
      accounts: [MEMBER_A, MEMBER_B],
      faults: { accessDeniedAccounts: [MEMBER_A, `${MEMBER_B}/eu-west-1`] },
    });
    const a = await assume(server, MEMBER_A);
    const b = await assume(server, MEMBER_B);
    const list = (creds: Creds, region: string) =>
      ivschatAs(server, creds, region).send(new ListRoomsCommand({}));
    for (const region of ['us-east-1', 'eu-west-1']) {
      const err = await rejection(list(a, region));
      expect(err).toBeInstanceOf(AccessDeniedExceptionIvschat);
      expect(err.$metadata).toMatchObject({ httpStatusCode: 403 });
      expect(err.message).toContain(`arn:aws:sts::${MEMBER_A}:assumed-role/`);
    }
    expect(await rejection(list(b, 'eu-west-1'))).toBeInstanceOf(AccessDeniedExceptionIvschat);
    await list(b, 'us-east-1');
    await list(credentials, 'eu-west-1');
    expect(server.stats(MEMBER_A)['eu-west-1']?.ListRooms).toMatchObject({ calls: 1, errors: 1 });
  });

  it('enforces a session policy (Policy) by action: a read-only session cannot UpdateRoom or assume on', async () => {
    const server = await start({ accounts: [MEMBER_A] });
    const arn = 'arn:aws:ivschat:us-east-1:111111111111:room/abcdEFGH1234';
    server.seedRooms(undefined, [{ arn, name: 'lobby' }]);
    const res = await sts(server).send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${MEMBER_A}:role/ivschat-auditor-member`,
        RoleSessionName: 'ivschat-audit',
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: ['ivschat:GetRoom', 'ivschat:List*'], Resource: '*' }],
        }),
      }),
    );
    const creds = {
      accessKeyId: res.Credentials?.AccessKeyId as string,
      secretAccessKey: res.Credentials?.SecretAccessKey as string,
      sessionToken: res.Credentials?.SessionToken as string,
    };
    const client = ivschatAs(server, creds);
    expect((await client.send(new GetRoomCommand({ identifier: arn }))).name).toBe('lobby');
    expect((await client.send(new ListRoomsCommand({}))).rooms).toHaveLength(1);
    const denied = await rejection(
      client.send(new UpdateRoomCommand({ identifier: arn, maximumMessageLength: 10 })),
    );
    expect(denied).toBeInstanceOf(AccessDeniedExceptionIvschat);
    expect(denied.$metadata).toMatchObject({ httpStatusCode: 403 });
    expect(denied.message).toContain('ivschat:UpdateRoom');
    expect(server.rooms()[0]?.maximumMessageLength).not.toBe(10);
    const stsAs = new STSClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: creds });
    // Identity needs no permission; a further AssumeRole does.
    expect((await stsAs.send(new GetCallerIdentityCommand({}))).Account).toBe(MEMBER_A);
    const chained = await rejection(
      stsAs.send(
        new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${MEMBER_A}:role/other`, RoleSessionName: 'again' }),
      ),
    );
    expect(chained.name).toBe('AccessDenied');
  });

  it.each([
    ['not JSON', '{', 'Syntax errors'],
    [
      'a condition it cannot evaluate',
      '{"Statement":[{"Effect":"Allow","Action":"ivschat:GetRoom","Resource":"*","Condition":{}}]}',
      'Condition',
    ],
    [
      'a resource other than "*"',
      '{"Statement":{"Effect":"Allow","Action":"ivschat:GetRoom","Resource":"arn:aws:ivschat:*"}}',
      'Resource',
    ],
  ])(
    'refuses a session policy that is %s with MalformedPolicyDocument 400',
    async (_what, policy, reason) => {
      const server = await start({ accounts: [MEMBER_A] });
      const err = await rejection(
        sts(server).send(
          new AssumeRoleCommand({
            RoleArn: `arn:aws:iam::${MEMBER_A}:role/r`,
            RoleSessionName: 'ok',
            Policy: policy,
          }),
        ),
      );
      expect(err.name).toBe('MalformedPolicyDocumentException');
      expect(err.$metadata).toMatchObject({ httpStatusCode: 400 });
      expect(err.message).toContain(reason);
    },
  );

  it.each([
    [{ RoleArn: 'arn:aws:iam::111111111111:user/not-a-role', RoleSessionName: 'ok' }, "at 'roleArn'"],
    [{ RoleArn: 'arn:aws:iam::111111111111:role/r', RoleSessionName: 'has space' }, "at 'roleSessionName'"],
    [{ RoleArn: 'arn:aws:iam::111111111111:role/r', RoleSessionName: 'x' }, "at 'roleSessionName'"],
    [
      { RoleArn: 'arn:aws:iam::111111111111:role/r', RoleSessionName: 'ok', DurationSeconds: 899 },
      "at 'durationSeconds'",
    ],
    [
      { RoleArn: 'arn:aws:iam::111111111111:role/r', RoleSessionName: 'ok', DurationSeconds: 43201 },
      "at 'durationSeconds'",
    ],
  ])('rejects invalid input %j with ValidationError 400 naming the field', async (input, field) => {
    const server = await start({ accounts: [MEMBER_A] });
    const err = await rejection(sts(server).send(new AssumeRoleCommand(input)));
    expect(err.name).toBe('ValidationError');
    expect(err.$metadata).toMatchObject({ httpStatusCode: 400 });
    expect(err.message).toContain(field);
  });
});

describe('Organizations ListAccounts', () => {
  it('pages through every account with MaxResults 1 via the SDK paginator, in the model shape', async () => {
    const server = await start({
      accounts: [MEMBER_B, MEMBER_A, { id: '333333333333', status: 'SUSPENDED', name: 'closed-team' }],
    });
    const pages = [];
    for await (const page of paginateListAccounts({ client: organizations(server), pageSize: 1 }, {})) {
      pages.push(page);
    }
    expect(pages.map((p) => p.Accounts?.length)).toEqual([1, 1, 1, 1]);
    expect(pages.at(-1)?.NextToken).toBeUndefined();
    const accounts = pages.flatMap((p) => p.Accounts ?? []);
    expect(accounts.map((a) => a.Id)).toEqual(['000000000000', MEMBER_A, MEMBER_B, '333333333333']);
    for (const account of accounts) {
      expect(account.Arn).toMatch(/^arn:aws:organizations::000000000000:account\/o-[a-z0-9]{10,32}\/\d{12}$/);
      expect(account.Arn?.endsWith(`/${account.Id}`)).toBe(true);
      expect(account.Email).toMatch(/^[^\s@]+@[^\s@]+\.[^\s@]+$/);
      expect(account.Name).toEqual(expect.any(String));
      expect(account.JoinedMethod).toMatch(/^(INVITED|CREATED)$/);
      expect(account.JoinedTimestamp).toBeInstanceOf(Date);
      expect(Number.isNaN(account.JoinedTimestamp?.getTime())).toBe(false);
    }
    expect(accounts.map((a) => [a.Status, a.State])).toEqual([
      ['ACTIVE', 'ACTIVE'],
      ['ACTIVE', 'ACTIVE'],
      ['ACTIVE', 'ACTIVE'],
      ['SUSPENDED', 'SUSPENDED'],
    ]);
    expect(accounts[3]?.Name).toBe('closed-team');
  });

  it('answers 20 accounts per page by default and lists the accounts of seeded rooms', async () => {
    const ids = Array.from({ length: 24 }, (_, i) => String(100000000000 + i));
    const server = await start({ accounts: ids, seed: [{ name: 'x', accountId: '555555555555' }] });
    const sizes = [];
    const seen: string[] = [];
    for await (const page of paginateListAccounts({ client: organizations(server) }, {})) {
      sizes.push(page.Accounts?.length);
      seen.push(...(page.Accounts ?? []).map((a) => a.Id as string));
    }
    expect(sizes).toEqual([20, 6]);
    expect(seen).toEqual(['000000000000', ...ids, '555555555555']);
  });

  it('rejects MaxResults outside 1–20 and a forged NextToken with InvalidInputException', async () => {
    const server = await start();
    const client = organizations(server);
    const tooMany = await rejection(client.send(new ListAccountsCommand({ MaxResults: 21 })));
    expect(tooMany).toBeInstanceOf(InvalidInputException);
    expect(tooMany.Reason).toBe('MAX_VALUE_EXCEEDED');
    const zero = await rejection(client.send(new ListAccountsCommand({ MaxResults: 0 })));
    expect(zero).toBeInstanceOf(InvalidInputException);
    expect(zero.Reason).toBe('MIN_VALUE_EXCEEDED');
    const forged = await rejection(client.send(new ListAccountsCommand({ NextToken: 'not-a-token' })));
    expect(forged).toBeInstanceOf(InvalidInputException);
    expect(forged.Reason).toBe('INVALID_NEXT_TOKEN');
  });

  it('denies a member account (only the management account may list), with AccessDeniedException', async () => {
    const server = await start({ accounts: [MEMBER_A] });
    const a = await assume(server, MEMBER_A);
    const err = await rejection(organizations(server, a).send(new ListAccountsCommand({})));
    expect(err).toBeInstanceOf(AccessDeniedException);
  });

  it('answers an unknown X-Amz-Target with the JSON 1.1 error shape', async () => {
    const server = await start();
    const res = await fetch(server.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AWSOrganizationsV20161128.DeleteOrganization',
      },
      body: '{}',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    expect(await res.json()).toMatchObject({
      __type: 'UnknownOperationException',
      Message: expect.stringContaining('DeleteOrganization'),
    });
  });
});

describe('accounts: seeding and admin API', () => {
  it('seed rooms carry accountId (an arn wins); an invalid accountId is refused with its value', async () => {
    const server = await start();
    const [room] = server.seedRooms('eu-west-1', [{ name: 'r', accountId: MEMBER_A }]);
    expect(room?.arn).toMatch(new RegExp(`^arn:aws:ivschat:eu-west-1:${MEMBER_A}:room/`));
    const [byArn] = server.seedRooms(undefined, [
      { arn: `arn:aws:ivschat:us-east-1:${MEMBER_B}:room/abcDEF123456`, accountId: MEMBER_A },
    ]);
    expect(server.rooms(undefined, MEMBER_B).map((r) => r.arn)).toEqual([byArn?.arn]);
    expect(server.accounts().map((a) => a.id)).toEqual(['000000000000', MEMBER_A, MEMBER_B]);
    expect(() =>
      server.seedRooms(undefined, [{ name: 'fine', accountId: '333333333333' }, { accountId: '12345' }]),
    ).toThrow(/accountId.*12345/);
    expect(server.rooms().map((r) => r.name)).not.toContain('fine');
    expect(server.removeRoom(byArn?.arn as string)).toBe(true);
    expect(server.rooms(undefined, MEMBER_B)).toEqual([]);
  });

  it('lists and adds accounts and filters rooms by account over HTTP', async () => {
    const server = await start();
    const added = await fetch(`${server.endpoint}/_local/accounts`, {
      method: 'POST',
      body: JSON.stringify([MEMBER_A, { id: MEMBER_B, status: 'SUSPENDED' }]),
    });
    expect(added.status).toBe(200);
    const listed = (await (await fetch(`${server.endpoint}/_local/accounts`)).json()) as {
      id: string;
      status: string;
    }[];
    expect(listed.map((a) => [a.id, a.status])).toEqual([
      ['000000000000', 'ACTIVE'],
      [MEMBER_A, 'ACTIVE'],
      [MEMBER_B, 'SUSPENDED'],
    ]);
    const bad = await fetch(`${server.endpoint}/_local/accounts`, { method: 'POST', body: '["12"]' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toContain('"12"');

    await fetch(`${server.endpoint}/_local/rooms?accountId=${MEMBER_A}`, {
      method: 'POST',
      body: JSON.stringify([{ name: 'posted' }]),
    });
    const rooms = (await (await fetch(`${server.endpoint}/_local/rooms?accountId=${MEMBER_A}`)).json()) as {
      name: string;
      accountId: string;
    }[];
    expect(rooms.map((r) => [r.name, r.accountId])).toEqual([['posted', MEMBER_A]]);
    expect(server.rooms(undefined, '000000000000')).toEqual([]);
  });
});
