import { AccessDeniedException, GetRoomCommand, UpdateRoomCommand } from '@aws-sdk/client-ivschat';
import {
  ListAccountsCommand,
  OrganizationsClient,
  TooManyRequestsException,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { ivschatClient } from '../../lambda/aws/clients.js';
import { inventoryRegion } from '../../lambda/aws/inventory.js';
import { CHANGE_PATH_MEMBER_ACTIONS, FINDINGS_IMPORT_ACTIONS } from '../../lambda/aws/session-policy.js';
import {
  type AuditTarget,
  accessDeniedError,
  DEFAULT_MEMBER_ROLE_NAME,
  planTargets,
  SESSION_SECONDS,
  type TargetAccess,
  type TargetError,
  targetCredentials,
} from '../../lambda/aws/targets.js';
import { ConfigError } from '../../lambda/core/errors.js';
import { ACCOUNT_ID, type LocalAws, type LocalAwsOptions, startLocalAws } from '../../local-aws/index.js';

const SELF = ACCOUNT_ID; // the emulator's default account, the organization's management account
const MEMBER_A = '111111111111';
const MEMBER_B = '222222222222';
const MEMBER_C = '333333333333';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const ROLE = { roleName: DEFAULT_MEMBER_ROLE_NAME };

let aws: LocalAws | undefined;
afterEach(async () => {
  await aws?.close();
  aws = undefined;
});

async function start(options: LocalAwsOptions = {}): Promise<LocalAws> {
  aws = await startLocalAws(options);
  return aws;
}

/** The auditor's own connection to the emulator (signs as the default account). */
const own = (server: LocalAws) => ({ endpoint: server.endpoint, credentials, maxAttempts: 1 });

const ids = (targets: readonly AuditTarget[]) =>
  targets.map((t) => `${t.accountId}/${t.region}/${t.assumeRole}`);

/** Audits one target the way a per-target step will: credentials, then the region's inventory. */
async function auditTarget(server: LocalAws, target: AuditTarget) {
  const access = await targetCredentials(target, { ...ROLE, connection: own(server) });
  if (!access.ok) return { error: access.error };
  const client = ivschatClient(target.region, access.connection);
  try {
    const inventory = await inventoryRegion({ region: target.region, accountId: target.accountId, client });
    const error = accessDeniedError(target, inventory.errors, ROLE.roleName);
    return error ? { error } : { rooms: inventory.rooms.map((r) => r.name) };
  } finally {
    client.destroy();
  }
}

describe('planTargets', () => {
  it("plans the auditor's own account in every region, without a role, when accounts is empty", async () => {
    const plan = await planTargets({
      accounts: '',
      regions: ['us-east-1', 'eu-west-1'],
      selfAccountId: SELF,
    });

    expect(ids(plan.targets)).toEqual([`${SELF}/us-east-1/false`, `${SELF}/eu-west-1/false`]);
    expect(plan.errors).toEqual([]);
  });

  it('plans a list account-major in the given order, without duplicates, and the own account without a role', async () => {
    const plan = await planTargets({
      accounts: [MEMBER_B, SELF, MEMBER_A, MEMBER_B, ` ${MEMBER_A}`],
      regions: ['eu-west-1', 'us-east-1', 'eu-west-1'],
      selfAccountId: SELF,
    });

    expect(ids(plan.targets)).toEqual([
      `${MEMBER_B}/eu-west-1/true`,
      `${MEMBER_B}/us-east-1/true`,
      `${SELF}/eu-west-1/false`,
      `${SELF}/us-east-1/false`,
      `${MEMBER_A}/eu-west-1/true`,
      `${MEMBER_A}/us-east-1/true`,
    ]);
  });

  it('plans 1,000 accounts × 5 regions as 5,000 distinct targets', async () => {
    const accounts = Array.from({ length: 1000 }, (_, i) => String(100000000000 + i));
    const regions = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-2'];

    const plan = await planTargets({ accounts: [...accounts, ...accounts], regions, selfAccountId: SELF });

    expect(plan.targets).toHaveLength(5000);
    expect(new Set(ids(plan.targets)).size).toBe(5000);
    expect(plan.targets[4999]).toEqual({
      accountId: '100000000999',
      region: 'ap-southeast-2',
      assumeRole: true,
    });
  });

  it('refuses an account id that is not 12 digits, naming the accounts setting', async () => {
    const plan = planTargets({ accounts: [MEMBER_A, '12345'], regions: ['us-east-1'], selfAccountId: SELF });

    await expect(plan).rejects.toThrow(ConfigError);
    await expect(plan).rejects.toThrow('accounts: "12345" is not a 12-digit account id');
  });

  it('refuses a region name that is not one, naming the regions setting', async () => {
    await expect(
      planTargets({ accounts: '', regions: ['us-east-1', 'Europe'], selfAccountId: SELF }),
    ).rejects.toThrow('regions: "Europe" is not a region name');
    await expect(planTargets({ accounts: '', regions: [], selfAccountId: SELF })).rejects.toThrow(
      'regions: lists no region',
    );
  });

  it('plans every ACTIVE account of the organization over several ListAccounts pages, skipping and counting suspended ones', async () => {
    const members = Array.from({ length: 44 }, (_, i) => String(400000000000 + i));
    const server = await start({
      accounts: [...members, { id: MEMBER_A, status: 'SUSPENDED' }, { id: MEMBER_B, status: 'SUSPENDED' }],
    });

    const plan = await planTargets({
      accounts: 'organization',
      regions: ['us-east-1', 'eu-west-1'],
      selfAccountId: SELF,
      connection: own(server),
    });

    expect(plan.errors).toEqual([]);
    const accounts = [...new Set(plan.targets.map((t) => t.accountId))];
    expect(accounts).toHaveLength(45);
    expect(accounts).toEqual(expect.arrayContaining([SELF, ...members]));
    expect(accounts).not.toContain(MEMBER_A);
    expect(plan.targets).toHaveLength(90);
    expect(plan.targets.filter((t) => !t.assumeRole).map((t) => t.accountId)).toEqual([SELF, SELF]);
    expect(plan.inactiveAccounts).toEqual([
      { accountId: MEMBER_A, status: 'SUSPENDED' },
      { accountId: MEMBER_B, status: 'SUSPENDED' },
    ]);
    // 47 accounts at 20 a page.
    expect(server.stats()['us-east-1']?.ListAccounts?.calls).toBe(3);
  });

  it('refuses an accounts value that is neither empty, organization nor a list, naming the setting', async () => {
    const misspelt = 'organisation' as unknown as 'organization';

    await expect(
      planTargets({ accounts: misspelt, regions: ['us-east-1'], selfAccountId: SELF }),
    ).rejects.toThrow('accounts: must be "", "organization" or a list of 12-digit account ids');
  });

  it('keeps the accounts listed before ListAccounts failed part-way, with the failure as a planning error', async () => {
    const organizations = mockClient(OrganizationsClient);
    try {
      organizations
        .on(ListAccountsCommand)
        .resolvesOnce({ Accounts: [{ Id: MEMBER_A, State: 'ACTIVE' }], NextToken: 'page-2' })
        .rejectsOnce(new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} }));

      const plan = await planTargets({
        accounts: 'organization',
        regions: ['us-east-1'],
        selfAccountId: SELF,
      });

      expect(ids(plan.targets)).toEqual([`${MEMBER_A}/us-east-1/true`]);
      expect(plan.errors).toEqual([
        {
          accountId: SELF,
          region: 'us-east-1',
          operation: 'ListAccounts',
          code: 'TooManyRequestsException',
          message: "could not list the organization's accounts: Rate exceeded",
        },
      ]);
    } finally {
      organizations.restore();
    }
  });

  it('returns a planning error naming the management or delegated-admin account and organizations:ListAccounts when a member account plans the organization', async () => {
    const server = await start({ accounts: [MEMBER_A] });
    const access = await targetCredentials(
      { accountId: MEMBER_A, region: 'us-east-1', assumeRole: true },
      { ...ROLE, connection: own(server) },
    );
    if (!access.ok) throw new Error(access.error.message);

    const plan = await planTargets({
      accounts: 'organization',
      regions: ['us-east-1'],
      selfAccountId: MEMBER_A,
      connection: access.connection,
    });

    expect(plan.targets).toEqual([]);
    expect(plan.errors).toHaveLength(1);
    const [error] = plan.errors as [TargetError];
    expect(error).toMatchObject({
      accountId: MEMBER_A,
      operation: 'ListAccounts',
      code: 'AccessDeniedException',
    });
    expect(error.message).toContain('organizations:ListAccounts');
    expect(error.message).toContain('management account or a delegated administrator account');
    expect(error.message).toContain(`account ${MEMBER_A} was refused`);
  });
});

describe('targetCredentials', () => {
  it("makes ListRooms see only the assumed account's rooms", async () => {
    const server = await start({
      seed: [
        { name: 'own-room', region: 'eu-west-1' },
        { name: 'a-room', region: 'eu-west-1', accountId: MEMBER_A },
        { name: 'a-other-region', region: 'us-east-1', accountId: MEMBER_A },
        { name: 'b-room', region: 'eu-west-1', accountId: MEMBER_B },
      ],
    });

    const a = await auditTarget(server, { accountId: MEMBER_A, region: 'eu-west-1', assumeRole: true });
    const b = await auditTarget(server, { accountId: MEMBER_B, region: 'eu-west-1', assumeRole: true });
    const self = await auditTarget(server, { accountId: SELF, region: 'eu-west-1', assumeRole: false });

    expect(a).toEqual({ rooms: ['a-room'] });
    expect(b).toEqual({ rooms: ['b-room'] });
    expect(self).toEqual({ rooms: ['own-room'] });
  });

  it('assumes a new session on every call', async () => {
    const server = await start({ accounts: [MEMBER_A] });
    const target = { accountId: MEMBER_A, region: 'us-east-1', assumeRole: true };
    const keyOf = async (access: TargetAccess) => {
      if (!access.ok) throw new Error(access.error.message);
      const provider = access.connection.credentials as () => Promise<{ accessKeyId: string }>;
      return (await provider()).accessKeyId;
    };

    const first = await keyOf(await targetCredentials(target, { ...ROLE, connection: own(server) }));
    const second = await keyOf(await targetCredentials(target, { ...ROLE, connection: own(server) }));

    expect(first).not.toBe(second);
  });

  it('records a role that cannot be assumed as that target’s error, while the other targets are audited', async () => {
    const server = await start({
      seed: [
        { name: 'a-room', accountId: MEMBER_A },
        { name: 'c-room', accountId: MEMBER_C },
      ],
      accounts: [MEMBER_B],
      faults: { assumeRoleDeniedAccounts: [MEMBER_B] },
    });
    const plan = await planTargets({
      accounts: [MEMBER_A, MEMBER_B, MEMBER_C],
      regions: ['us-east-1'],
      selfAccountId: SELF,
    });

    const results = await Promise.all(plan.targets.map((t) => auditTarget(server, t)));

    expect(results).toEqual([
      { rooms: ['a-room'] },
      {
        error: {
          accountId: MEMBER_B,
          region: 'us-east-1',
          operation: 'AssumeRole',
          code: 'AccessDenied',
          message:
            `role ivschat-auditor-member in ${MEMBER_B} cannot be assumed: AccessDenied — deploy the ` +
            `IvsChatAuditorMember stack there (it creates arn:aws:iam::${MEMBER_B}:role/ivschat-auditor-member, ` +
            "trusting the auditor's function roles; for the CLI, deploy it with -c memberTrustedPrincipals=<your role ARN>)",
        },
      },
      { rooms: ['c-room'] },
    ]);
  });

  it('records an account whose IVS Chat answers AccessDenied as that target’s error, while the other targets are audited', async () => {
    const server = await start({
      seed: [
        { name: 'a-room', accountId: MEMBER_A, region: 'eu-west-1' },
        { name: 'b-room', accountId: MEMBER_B, region: 'eu-west-1' },
      ],
      faults: { accessDeniedAccounts: [MEMBER_A] },
    });

    const a = await auditTarget(server, { accountId: MEMBER_A, region: 'eu-west-1', assumeRole: true });
    const b = await auditTarget(server, { accountId: MEMBER_B, region: 'eu-west-1', assumeRole: true });

    expect(a).toEqual({
      error: {
        accountId: MEMBER_A,
        region: 'eu-west-1',
        operation: 'ListRooms',
        code: 'AccessDeniedException',
        message:
          `role ivschat-auditor-member in ${MEMBER_A} may not call ivschat:ListRooms in eu-west-1: ` +
          'AccessDeniedException — update the IvsChatAuditorMember stack there (it grants ivschat:ListRooms, ivschat:GetRoom and ivschat:ListLoggingConfigurations)',
      },
    });
    expect(b).toEqual({ rooms: ['b-room'] });
  });

  it('a read-only session reads rooms but cannot UpdateRoom, and an import session cannot read them', async () => {
    const server = await start({ seed: [{ name: 'a-room', accountId: MEMBER_A }] });
    const target = { accountId: MEMBER_A, region: 'us-east-1', assumeRole: true };
    const arn = server.rooms()[0]?.arn as string;
    const session = async (sessionActions: readonly string[]) => {
      const access = await targetCredentials(target, { ...ROLE, connection: own(server), sessionActions });
      if (!access.ok) throw new Error(access.error.message);
      return ivschatClient(target.region, access.connection);
    };

    const reader = await session(CHANGE_PATH_MEMBER_ACTIONS);
    expect((await reader.send(new GetRoomCommand({ identifier: arn }))).name).toBe('a-room');
    await expect(
      reader.send(new UpdateRoomCommand({ identifier: arn, maximumMessageLength: 1 })),
    ).rejects.toBeInstanceOf(AccessDeniedException);
    const importer = await session(FINDINGS_IMPORT_ACTIONS);
    await expect(importer.send(new GetRoomCommand({ identifier: arn }))).rejects.toBeInstanceOf(
      AccessDeniedException,
    );
    expect(server.rooms()[0]?.maximumMessageLength).not.toBe(1);
    reader.destroy();
    importer.destroy();
  });

  it('uses the given connection unchanged for the own account, without calling STS', async () => {
    const sts = mockClient(STSClient);
    try {
      const connection = { endpoint: 'http://127.0.0.1:1', credentials };
      const access = await targetCredentials(
        { accountId: SELF, region: 'us-east-1', assumeRole: false },
        { ...ROLE, connection },
      );

      expect(access).toEqual({ ok: true, connection });
      expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
    } finally {
      sts.restore();
    }
  });
});

describe('targetCredentials: session lifetime', () => {
  const target = { accountId: MEMBER_A, region: 'eu-west-1', assumeRole: true };
  const answer = (key: string, expiresInMs: number) => ({
    Credentials: {
      AccessKeyId: key,
      SecretAccessKey: 'secret',
      SessionToken: 'token',
      Expiration: new Date(Date.now() + expiresInMs),
    },
  });

  it('asks for an hour at most, in the partition given, under a session name that names the auditor', async () => {
    const sts = mockClient(STSClient);
    try {
      sts.on(AssumeRoleCommand).resolves(answer('K1', 3_600_000));

      const access = await targetCredentials(target, {
        roleName: 'audit/ivschat-auditor-member',
        partition: 'aws-cn',
      });

      expect(access.ok).toBe(true);
      const [call] = sts.commandCalls(AssumeRoleCommand);
      expect(call?.args[0].input).toEqual({
        RoleArn: `arn:aws-cn:iam::${MEMBER_A}:role/audit/ivschat-auditor-member`,
        RoleSessionName: 'ivschat-auditor',
        DurationSeconds: SESSION_SECONDS,
      });
      expect(SESSION_SECONDS).toBeLessThanOrEqual(3600);
    } finally {
      sts.restore();
    }
  });

  it('replaces a session about to expire with a new one instead of signing with it', async () => {
    const sts = mockClient(STSClient);
    try {
      sts
        .on(AssumeRoleCommand)
        .resolvesOnce(answer('EXPIRING', 60_000))
        .resolvesOnce(answer('FRESH', 3_600_000));
      const access = await targetCredentials(target, ROLE);
      if (!access.ok) throw new Error(access.error.message);
      const provider = access.connection.credentials as () => Promise<{ accessKeyId: string }>;

      const [first, second] = await Promise.all([provider(), provider()]);
      const third = await provider();

      expect([first.accessKeyId, second.accessKeyId, third.accessKeyId]).toEqual(['FRESH', 'FRESH', 'FRESH']);
      expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
    } finally {
      sts.restore();
    }
  });

  it('limits the session to sessionActions with an inline session policy, on every renewal', async () => {
    const sts = mockClient(STSClient);
    try {
      sts
        .on(AssumeRoleCommand)
        .resolvesOnce(answer('EXPIRING', 60_000))
        .resolvesOnce(answer('FRESH', 3_600_000));
      const access = await targetCredentials(target, { ...ROLE, sessionActions: CHANGE_PATH_MEMBER_ACTIONS });
      if (!access.ok) throw new Error(access.error.message);
      await (access.connection.credentials as () => Promise<unknown>)();

      const calls = sts.commandCalls(AssumeRoleCommand);
      expect(calls).toHaveLength(2);
      for (const call of calls) {
        expect(JSON.parse(call.args[0].input.Policy ?? 'null')).toEqual({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: ['ivschat:ListRooms', 'ivschat:GetRoom', 'ivschat:ListLoggingConfigurations'],
              Resource: '*',
            },
          ],
        });
      }
    } finally {
      sts.restore();
    }
  });

  it('refuses a role name or session name IAM would refuse, naming the setting', async () => {
    await expect(targetCredentials(target, { roleName: 'bad name' })).rejects.toThrow(
      'memberRoleName: "bad name" is not an IAM role name',
    );
    await expect(targetCredentials(target, { ...ROLE, sessionName: 'a b' })).rejects.toThrow('sessionName:');
  });
});
