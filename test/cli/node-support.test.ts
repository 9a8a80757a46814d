import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE_SUPPORT, nodeSupportNotice, unsupportedNodeMessage } from '../../lambda/cli/node-support.js';
import { type LocalAws, startLocalAws } from '../../local-aws/index.js';
import { runBin } from './spawn.js';

describe('Function: nodeSupportNotice', () => {
  it('says in one line that the SDK will need the recommended Node, on an older one', () => {
    const notice = nodeSupportNotice('v20.20.2');
    expect(notice).toBe(
      'note: Node.js v20.20.2 still runs ivschat-audit, but AWS SDK releases after the first week of January 2027 need Node.js 22 or later: upgrade to keep getting them\n',
    );
    expect(notice?.split('\n')).toHaveLength(2);
  });

  it.each(['v22.12.0', 'v24.3.1'])('says nothing on %s', (version) => {
    expect(nodeSupportNotice(version)).toBeUndefined();
  });
});

describe('Function: unsupportedNodeMessage', () => {
  it.each(['v20.19.0', 'v20.20.2', 'v22.12.0', 'v22.20.0', 'v24.3.1'])('lets %s run', (version) => {
    expect(unsupportedNodeMessage(version)).toBeUndefined();
  });

  it.each(['v18.20.4', 'v20.18.3', 'v21.7.3', 'v22.11.0'])(
    'names the supported versions on %s',
    (version) => {
      expect(unsupportedNodeMessage(version)).toBe(
        `error: ivschat-audit needs ${NODE_SUPPORT.inWords}; this is Node.js ${version}\n`,
      );
    },
  );
});

describe('bin/ivschat-audit.js on an unsupported Node', () => {
  it('exits 2 with one line naming the supported versions, before doing anything', async () => {
    // Node 18 as the CLI sees it: process.version is all it reads.
    const { code, stdout, stderr } = await runBin(['policies', 'check'], {
      nodeOptions: [
        '--import',
        'data:text/javascript,Object.defineProperty(process,"version",{value:"v18.20.4"})',
      ],
    });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(`error: ivschat-audit needs ${NODE_SUPPORT.inWords}; this is Node.js v18.20.4\n`);
  }, 30_000);
});

describe('bin/ivschat-audit.js: a live run on this Node', () => {
  let aws: LocalAws;
  beforeAll(async () => {
    aws = await startLocalAws({});
    aws.seedRooms('us-east-1', [{ name: 'lobby', maximumMessageLength: 100 }]);
  });
  afterAll(() => aws.close());

  it("prints the CLI's one-line note in place of the SDK's warning on Node 20, nothing on 22", async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
    const { code, stdout, stderr } = await runBin(
      ['audit', '--region', 'us-east-1', '--endpoint', aws.endpoint, '--format', 'json'],
      { env },
    );
    // Complete, with findings (the room has no review handler, logging or owner tag).
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({ roomsAudited: 1, complete: true });
    expect(stderr).not.toContain('NodeVersionSupportWarning');
    const major = Number(process.versions.node.split('.')[0]);
    if (major < NODE_SUPPORT.recommendedMajor) expect(stderr).toBe(nodeSupportNotice(process.version));
    else expect(stderr).toBe('');
  }, 30_000);
});
