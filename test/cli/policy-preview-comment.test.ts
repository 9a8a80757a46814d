import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const WORKFLOW = join(import.meta.dirname, '..', '..', '.github', 'workflows', 'policy-preview.yml');
const MARKER = '<!-- ivschat-audit:policy-preview -->';

interface Step {
  name?: string;
  run?: string;
}
const steps = (parse(readFileSync(WORKFLOW, 'utf8')) as { jobs: { comment: { steps: Step[] } } }).jobs.comment
  .steps;
const postStep = steps.find((s) => s.name?.startsWith('Post or update the sticky comment'))?.run ?? '';

/**
 * A stand-in for the GitHub CLI: `gh api graphql` answers the token's identity, `gh api --paginate
 * …/comments --jq F` runs F over the pull request's comments with jq (gh's --jq is jq syntax), and a
 * PATCH or POST is recorded instead of sent.
 */
const FAKE_GH = `#!/usr/bin/env bash
set -euo pipefail
args=("$@")
if [ "$1 $2" = "api graphql" ]; then echo "github-actions[bot]"; exit 0; fi
for i in "\${!args[@]}"; do
  case "\${args[$i]}" in
    --jq) filter="\${args[$((i + 1))]}" ;;
    --method) echo "\${args[$((i + 1))]} \${args[$((i + 2))]}" >> "$GH_CALLS"; exit 0 ;;
  esac
done
jq -r "$filter" "$GH_COMMENTS"
`;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sticky-'));
  mkdirSync(join(dir, 'bin'));
  writeFileSync(join(dir, 'bin', 'gh'), FAKE_GH);
  chmodSync(join(dir, 'bin', 'gh'), 0o755);
  mkdirSync(join(dir, 'policy-preview'));
  writeFileSync(join(dir, 'policy-preview', 'comment.md'), `${MARKER}\nthe preview`);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function postComment(comments: object[]): string[] {
  writeFileSync(join(dir, 'comments.json'), JSON.stringify(comments));
  const run = spawnSync('bash', ['-e', '-c', postStep], {
    cwd: dir,
    encoding: 'utf8',
    env: {
      PATH: `${join(dir, 'bin')}:${process.env.PATH}`,
      GH_CALLS: join(dir, 'calls.txt'),
      GH_COMMENTS: join(dir, 'comments.json'),
      REPO: 'acme/rooms',
      PR_NUMBER: '7',
    },
  });
  expect(run.status, run.stderr).toBe(0);
  return readFileSync(join(dir, 'calls.txt'), 'utf8').trim().split('\n');
}

const planted = {
  id: 101,
  user: { login: 'mallory', type: 'User' },
  body: `${MARKER}\nApproved by security`,
};
const lookalike = { id: 102, user: { login: 'github-actions', type: 'User' }, body: `${MARKER}\nx` };
const ours = { id: 103, user: { login: 'github-actions[bot]', type: 'Bot' }, body: `${MARKER}\nold preview` };
const otherBot = { id: 104, user: { login: 'github-actions[bot]', type: 'Bot' }, body: 'a test report' };

describe('policy-preview.yml comment job: the sticky comment is the bot’s own', () => {
  it('edits the comment the token wrote, not an earlier one that only starts with the marker', () => {
    expect(postComment([planted, lookalike, otherBot, ours])).toEqual([
      'PATCH repos/acme/rooms/issues/comments/103',
    ]);
  });

  it("posts a new comment when only other people's comments carry the marker", () => {
    expect(postComment([planted, lookalike, otherBot])).toEqual(['POST repos/acme/rooms/issues/7/comments']);
  });
});
