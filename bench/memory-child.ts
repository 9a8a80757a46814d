/**
 * Child process of the memory benchmark (bundled and minified by bench/run.ts, like the Lambda).
 * Does what one scheduled run does for 50,000 rooms served by the emulator at argv[2]: list + GetRoom
 * for every room (a first audit, the most expensive kind), evaluate the starter policies, reconcile
 * with (empty) state, and render the SNS messages (each ≤ 256 KiB). Prints one JSON line with RSS
 * figures; run fresh so the numbers are the auditor's alone.
 */
import { auditAccount } from '../lambda/audit.js';
import { reconcile } from '../lambda/core/lifecycle.js';
import { loadPolicyDir } from '../lambda/policy/load-dir.js';
import { buildSnsMessages, messageBytes } from '../lambda/render/sns-message.js';

const [endpoint, expected] = process.argv.slice(2);
if (!endpoint) throw new Error('usage: memory-child ENDPOINT ROOMS');

const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
const policies = loadPolicyDir().policies;
const baselineRss = process.memoryUsage().rss;
let peakRss = baselineRss;
let peakHeap = process.memoryUsage().heapUsed;
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  if (m.rss > peakRss) peakRss = m.rss;
  if (m.heapUsed > peakHeap) peakHeap = m.heapUsed;
}, 20);

const t0 = performance.now();
const run = await auditAccount({
  regions: ['us-east-1'],
  policies,
  connection: { endpoint },
  concurrency: 16,
});
const auditSeconds = (performance.now() - t0) / 1000;
const reconciliation = reconcile(run.report, run.inventories, new Map(), {
  now: run.report.startedAt,
  renotifyAfterHours: 24,
});
const messages = buildSnsMessages({
  accountId: run.report.targets[0]?.accountId ?? '',
  regions: ['us-east-1'],
  newFindings: reconciliation.newFindings,
  resolvedFindings: reconciliation.resolvedFindings,
  reminders: reconciliation.reminders,
  report: reconciliation.report,
});
const seconds = (performance.now() - t0) / 1000;
clearInterval(sampler);
const end = process.memoryUsage();
peakRss = Math.max(peakRss, end.rss);

process.stdout.write(
  `${JSON.stringify({
    path:
      'bundled (minified) child: live first audit via the emulator (ListRooms + GetRoom for every room, quotas off, ' +
      'no budget, concurrency 16), 5 starter policies, reconcile, SNS messages rendered',
    roomsExpected: Number(expected),
    roomsAudited: run.report.roomsAudited,
    findings: run.report.findings.length,
    snsMessages: messages.length,
    largestMessageBytes: Math.max(...messages.map(messageBytes)),
    complete: run.report.complete,
    auditSeconds: Math.round(auditSeconds * 100) / 100,
    seconds: Math.round(seconds * 100) / 100,
    baselineRssMb: mb(baselineRss),
    peakRssMb: mb(peakRss),
    maxRssMb: Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10,
    heapUsedPeakMb: mb(peakHeap),
  })}\n`,
);
