/**
 * Child process of the memory benchmark: audits every room the emulator at argv[2] serves
 * (quotas off, no budget, no room cache — the full first-audit path: list + GetRoom + evaluate +
 * report) and prints one JSON line with RSS figures. Run fresh, so the numbers are the auditor's alone.
 */
import { auditAccount } from '../lambda/audit.js';
import { loadPolicyDir } from '../lambda/policy/load-dir.js';

const [endpoint, expected] = process.argv.slice(2);
if (!endpoint) throw new Error('usage: memory-child.ts ENDPOINT ROOMS');

const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
const policies = loadPolicyDir().policies;
global.gc?.();
const baselineRss = process.memoryUsage().rss;
let peakRss = baselineRss;
let peakHeap = process.memoryUsage().heapUsed;
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  if (m.rss > peakRss) peakRss = m.rss;
  if (m.heapUsed > peakHeap) peakHeap = m.heapUsed;
}, 20);

const t0 = performance.now();
const { report } = await auditAccount({
  regions: ['us-east-1'],
  policies,
  connection: { endpoint },
  concurrency: 16,
});
const seconds = (performance.now() - t0) / 1000;
// maxRSS is in kilobytes. Taken before the report is serialised, to tell the audit from the JSON.
const maxRssBeforeSerialiseMb = Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
const rssAfterAuditMb = mb(process.memoryUsage().rss);
const json = JSON.stringify(report); // what the CLI / Lambda would serialise
clearInterval(sampler);
const end = process.memoryUsage();
peakRss = Math.max(peakRss, end.rss);

process.stdout.write(
  `${JSON.stringify({
    path: 'live audit via emulator: ListRooms + GetRoom for every room (quotas off, no budget, concurrency 16), evaluate 5 starter policies, build + serialise report',
    roomsExpected: Number(expected),
    roomsAudited: report.roomsAudited,
    findings: report.findings.length,
    reportJsonMb: mb(Buffer.byteLength(json)),
    complete: report.complete,
    seconds: Math.round(seconds * 100) / 100,
    baselineRssMb: mb(baselineRss),
    peakRssMb: mb(peakRss),
    rssAfterAuditMb,
    maxRssBeforeSerialiseMb,
    maxRssMb: Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10,
    heapUsedPeakMb: mb(peakHeap),
  })}\n`,
);
