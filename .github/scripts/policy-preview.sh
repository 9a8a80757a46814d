#!/usr/bin/env bash
# The policy preview of a pull request, for both preview jobs of .github/workflows/policy-preview.yml
# (test/cli/policy-preview-script.test.ts runs it on a hostile pull request, as the workflow does).
#
#   PREVIEW_BASE=origin/main PREVIEW_HEAD=refs/remotes/pr/head [PREVIEW_NOTE=…] [MAX_NEW=n] \
#     bash .github/scripts/policy-preview.sh --input examples/rooms.json
#
# Runs `policies check`, `policies test` and `policies diff --format markdown` on the pull request's
# policies/ as it is at PREVIEW_HEAD, read from git objects: nothing of the pull request is written to
# disk, so its links cannot reach the runner's files and its policy.schema.json cannot replace the
# tool's (the tool validates against the schema it ships anyway). The tool is the one beside this
# script, i.e. the base branch's checkout. The arguments name the rooms (--input or --from-snapshot).
#
# Writes policy-preview/comment.md (the sticky comment, marker first) and policy-preview/exit-code
# (policies diff's). Exits 1 when check or test failed (the comment is written all the same).
set -uo pipefail

: "${PREVIEW_BASE:?the base branch as a git ref, e.g. origin/main}"
: "${PREVIEW_HEAD:?the pull request head as a git ref, e.g. refs/remotes/pr/head}"
tool=(node "$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/bin/ivschat-audit.js")
marker='<!-- ivschat-audit:policy-preview -->'
out=policy-preview
mkdir -p "$out"

# What the tool prints reaches the job log. It prints no control character from policy files, and on
# top of that the log is fenced: C0 controls and DEL are dropped (tabs and newlines kept), and workflow
# commands (`::error::`, `::add-mask::`) are off while it prints, with a token the pull request cannot know.
inert() { LC_ALL=C tr -d '\000-\010\013-\037\177'; }
stop_token=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
logged() {
  local title=$1 status
  shift
  echo "::group::$title"
  echo "::stop-commands::$stop_token"
  "$@" 2>&1 | inert
  status=${PIPESTATUS[0]}
  echo "::$stop_token::"
  echo '::endgroup::'
  return "$status"
}

failed=0
logged 'policies check: valid files, unique ids, rules compile' \
  "${tool[@]}" policies check "$PREVIEW_HEAD" || failed=1
logged "policies test: each policy's pass/fail examples" \
  "${tool[@]}" policies test "$PREVIEW_HEAD" || failed=1

max_new=()
if [ -n "${MAX_NEW:-}" ]; then max_new=(--max-new "$MAX_NEW"); fi
"${tool[@]}" policies diff --base "$PREVIEW_BASE" --head "$PREVIEW_HEAD" "$@" "${max_new[@]}" \
  --format markdown -o "$out/preview.md" 2> "$out/stderr.txt"
code=$?
logged "policies diff (exit $code)" cat "$out/stderr.txt"

{
  echo "$marker"
  if [ -n "${PREVIEW_NOTE:-}" ]; then printf '> [!NOTE]\n> %s\n\n' "$PREVIEW_NOTE"; fi
  if [ "$code" -ge 2 ] || [ ! -s "$out/preview.md" ]; then
    printf '### ivschat-audit policy preview\n\nThe preview could not run (exit %s):\n\n```text\n' "$code"
    # Inside the code block nothing renders; a fence in the message must not end the block early.
    head -c 60000 "$out/stderr.txt" | inert | sed 's/```/ʼʼʼ/g'
    printf '\n```\n'
  elif [ "$(wc -c < "$out/preview.md")" -gt 60000 ]; then
    # GitHub refuses a comment over 65,536 characters; the artifact keeps the whole preview.
    head -c 60000 "$out/preview.md"
    printf '\n\n… cut at 60000 bytes: the whole preview is in the run'"'"'s policy-preview artifact.\n'
  else
    cat "$out/preview.md"
  fi
} > "$out/comment.md"
echo "$code" > "$out/exit-code"
exit "$failed"
