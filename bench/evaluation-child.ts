/**
 * Child process of the evaluation benchmark. bench/run.ts bundles this file with esbuild, minified
 * like the Lambda bundle, so the figure is that of the code that ships (not of tsx's dev transform).
 * Prints one JSON line.
 */
import { Evaluator } from '../lambda/audit/evaluate.js';
import type { RoomDocument } from '../lambda/core/types.js';
import { benchPolicies } from './policies.js';
import { BENCH_ACCOUNT, benchRoomDocuments } from './rooms.js';

const [count = '50000', now = '2026-01-01T00:00:00.000Z'] = process.argv.slice(2);
const policies = benchPolicies();
const rooms = benchRoomDocuments('us-east-1', Number(count));
// As a live audit calls it: the region's account and name are known.
const ctx = { now, accountId: BENCH_ACCOUNT, region: 'us-east-1' };

function loop(docs: readonly RoomDocument[]) {
  let findings = 0;
  const t0 = performance.now();
  // One Evaluator per loop, as the Lambda builds one per run: no loop inherits another's caches.
  const evaluator = new Evaluator(policies);
  for (const room of docs) findings += evaluator.evaluate(room, ctx).findings.length;
  return { seconds: (performance.now() - t0) / 1000, findings };
}

loop(rooms.slice(0, Math.min(rooms.length, 5_000))); // warm-up: JIT the validators and the loop
const runs = [loop(rooms), loop(rooms), loop(rooms)];
const evaluator = new Evaluator(policies);
const clean = rooms.filter((r) => evaluator.evaluate(r, ctx).findings.length === 0);
const cleanRooms = Array.from({ length: rooms.length }, (_, i) => clean[i % clean.length] as RoomDocument);
loop(cleanRooms.slice(0, 5_000));
const cleanRuns = clean.length > 0 ? [loop(cleanRooms), loop(cleanRooms)] : [];

process.stdout.write(
  `${JSON.stringify({
    rooms: rooms.length,
    policies: policies.length,
    findings: runs[0]?.findings ?? 0,
    seconds: runs.map((r) => r.seconds),
    compliantRooms: clean.length,
    cleanSeconds: cleanRuns.map((r) => r.seconds),
  })}\n`,
);
