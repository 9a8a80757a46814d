import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { join } from 'node:path';
import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterEach, describe, expect, it } from 'vitest';
import { credentials, rejection } from './helpers.js';

const ROOT = join(import.meta.dirname, '../..');

let child: ChildProcessWithoutNullStreams | undefined;
afterEach(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child?.on('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  child = undefined;
});

/** Starts `local-aws/cli.ts` and resolves to its endpoint once it says where it listens. */
function startCli(args: string[]): Promise<string> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'local-aws/cli.ts', '--port', '0', ...args], {
    cwd: ROOT,
  });
  child = proc;
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    proc.stdout.on('data', (b) => {
      out += b;
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match?.[1]) resolve(match[1]);
    });
    proc.stderr.on('data', (b) => {
      err += b;
    });
    proc.on('exit', (code) => reject(new Error(`local-aws exited with ${code}: ${err}`)));
  });
}

describe('npm run local-aws', () => {
  it('--account, --suspended-account and --deny-assume-role shape ListAccounts and AssumeRole', async () => {
    const endpoint = await startCli([
      '--account',
      '111111111111',
      '--account',
      '222222222222',
      '--suspended-account',
      '333333333333',
      '--deny-assume-role',
      '222222222222',
    ]);
    const orgs = new OrganizationsClient({ endpoint, region: 'us-east-1', credentials });
    const listed = await orgs.send(new ListAccountsCommand({}));
    expect(listed.Accounts?.map((a) => [a.Id, a.Status])).toEqual([
      ['000000000000', 'ACTIVE'],
      ['111111111111', 'ACTIVE'],
      ['222222222222', 'ACTIVE'],
      ['333333333333', 'SUSPENDED'],
    ]);
    const sts = new STSClient({ endpoint, region: 'us-east-1', credentials });
    const role = (account: string) =>
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/auditor`, RoleSessionName: 'cli' });
    expect((await sts.send(role('111111111111'))).AssumedRoleUser?.Arn).toContain('111111111111');
    expect((await rejection(sts.send(role('222222222222')))).name).toBe('AccessDenied');
  }, 30_000);
});
