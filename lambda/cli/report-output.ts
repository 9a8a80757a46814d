import type { Finding, Report } from '../core/types.js';
import type { CompiledPolicy } from '../policy/compile.js';
import { toAsff } from '../render/asff.js';
import { renderHtml } from '../render/html.js';
import { toOcsf } from '../render/ocsf.js';
import { shownFinding } from '../render/remediation.js';
import { renderReportMarkdown } from '../render/report-markdown.js';
import { renderSarif, type SarifOptions } from '../render/sarif.js';
import { joinParts, TerminalSanitizer } from '../render/terminal.js';
import { renderTextParts } from '../render/text.js';
import { ChunkedWriter, writeFileInChunks } from '../state/text-writer.js';
import { OutputWriteError } from './paths.js';
import type { Write } from './terminal-io.js';

/** Where a report's text goes piece by piece: a file's ChunkedWriter, or stdout's. */
interface TextOut {
  write(text: string): Promise<void> | void;
}

export const REPORT_FORMATS = ['text', 'json', 'markdown', 'sarif', 'asff', 'ocsf', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ReportOutput {
  format: ReportFormat;
  /** A file to write; stdout otherwise. */
  output?: string;
  /** The CLI's stdout, which escapes what it writes (terminalIo). */
  stdout: Write;
  color: boolean;
  policies: readonly CompiledPolicy[];
  /** The CLI's version, named in SARIF, OCSF and HTML output. */
  toolVersion: string;
  /** SARIF: where each finding is declared (`template`); else results point at the policy files. */
  locate?: SarifOptions['locate'];
}

/**
 * Writes the report, its findings followed by those resolved this run. `--format json` is written
 * finding by finding, each filled in as it goes: the report of a 100,000-room audit is never one
 * string (indented, it would be gigabytes). The text is the same as `JSON.stringify(report, null, 2)`.
 *
 * A file gets the escaping stdout gets (TerminalSanitizer): the report is read with `cat` and in CI
 * logs too. JSON formats stay valid and parse to the same values; they only lose raw bidi, C1 and
 * other control characters that JSON.stringify leaves in strings. HTML is written as rendered: its
 * escaping (escapeHtml, jsonForHtml) already leaves no control character, `##[` or line-leading
 * `::` from the data, so the sanitizer would only rewrite what the page shows (room data with `##[`
 * would read `##\u005b`) and could break the CSP hashes of the inline style and script. On stdout
 * the CLI's writer still passes it through its sanitizer, which then has nothing to change.
 */
export async function writeReport(
  report: Report,
  resolved: readonly Finding[],
  options: ReportOutput,
): Promise<void> {
  const body = async (out: TextOut) => {
    if (options.format === 'json') return writeJsonReport(report, resolved, out);
    if (options.format === 'asff') return writeAsff(report, resolved, out);
    if (options.format === 'ocsf') return writeOcsf(report, resolved, options.toolVersion, out);
    if (options.format === 'markdown') {
      return out.write(renderReportMarkdown({ ...report, findings: [...report.findings, ...resolved] }));
    }
    if (options.format === 'sarif') {
      const sarif = renderSarif(
        report,
        options.policies.map((p) => ({ ...p.policy, file: p.file })),
        { toolVersion: options.toolVersion, ...(options.locate ? { locate: options.locate } : {}) },
      );
      return out.write(`${JSON.stringify(sarif, null, 2)}\n`);
    }
    const shown: Report = { ...report, findings: [...report.findings, ...resolved] };
    // One self-contained page; its size grows with the findings table, as the text report's does.
    if (options.format === 'html') return out.write(renderHtml(shown, { toolVersion: options.toolVersion }));
    // Colour only ever goes to a terminal (stdout), whose writer keeps the codes and escapes the text.
    const parts = renderTextParts(shown, { color: options.color && !options.output });
    return options.output ? out.write(joinParts(parts)) : options.stdout(parts);
  };
  if (options.output) {
    const output = options.output;
    const sanitize = new TerminalSanitizer();
    const inert = (text: string) => (options.format === 'html' ? text : sanitize.write(text));
    const file = (out: ChunkedWriter) => body({ write: (text) => out.write(inert(text)) });
    return writeFileInChunks(output, file).catch((error: unknown) => {
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new OutputWriteError(`--output: cannot write the report to ${output}: ${reason}`, {
        cause: error,
      });
    });
  }
  const out = new ChunkedWriter(options.stdout);
  await body(out);
  await out.flush();
}

async function writeJsonReport(report: Report, resolved: readonly Finding[], out: TextOut) {
  // The findings go where an empty list stands in the indented report. A string value cannot
  // fake the marker: its quotes would be escaped.
  const marker = '"findings": []';
  // notEvaluated is always there in the JSON: a consumer reads `[]`, not a missing key.
  const frame = JSON.stringify({ ...report, findings: [], notEvaluated: report.notEvaluated ?? [] }, null, 2);
  const at = frame.indexOf(marker);
  await out.write(frame.slice(0, at + marker.length - 1));
  let first = true;
  for (const list of [report.findings, resolved]) {
    for (const finding of list) {
      const item = JSON.stringify(shownFinding(finding), null, 2).replaceAll('\n', '\n    ');
      await out.write(`${first ? '\n' : ',\n'}    ${item}`);
      first = false;
    }
  }
  await out.write(`${first ? '' : '\n  '}]${frame.slice(at + marker.length)}\n`);
}

/**
 * `--format asff`: a JSON array of Security Hub findings, one per finding of the report and one per
 * finding resolved this run (archived), written finding by finding like `--format json`. Import it
 * 100 at a time (`BatchImportFindings` takes at most 100 findings per call).
 */
async function writeAsff(report: Report, resolved: readonly Finding[], out: TextOut) {
  let first = true;
  await out.write('[');
  for (const list of [report.findings, resolved]) {
    for (const finding of list) {
      const item = JSON.stringify(toAsff(finding, report.startedAt), null, 2).replaceAll('\n', '\n  ');
      await out.write(`${first ? '\n' : ',\n'}  ${item}`);
      first = false;
    }
  }
  await out.write(`${first ? '' : '\n'}]\n`);
}

/**
 * `--format ocsf`: a JSON array of OCSF Compliance Findings (class_uid 2003), one per finding of the
 * report and one per finding resolved this run (activity Close), written finding by finding like
 * `--format asff`.
 */
async function writeOcsf(report: Report, resolved: readonly Finding[], toolVersion: string, out: TextOut) {
  let first = true;
  await out.write('[');
  for (const list of [report.findings, resolved]) {
    for (const finding of list) {
      const event = toOcsf(finding, { time: report.startedAt, toolVersion });
      const item = JSON.stringify(event, null, 2).replaceAll('\n', '\n  ');
      await out.write(`${first ? '\n' : ',\n'}  ${item}`);
      first = false;
    }
  }
  await out.write(`${first ? '' : '\n'}]\n`);
}
