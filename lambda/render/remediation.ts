import { REMEDIATION_PLACEHOLDERS, type RemediationPlaceholder } from '../core/placeholders.js';
import type { Finding, Report } from '../core/types.js';
import { shellWord } from './shell-word.js';

const PLACEHOLDER = new RegExp(`\\{(${REMEDIATION_PLACEHOLDERS.join('|')})\\}`, 'g');

/**
 * The finding's remediation with every placeholder filled from the finding. The one place any
 * output fills it: email, Slack, the alert JSON and `--format json` all come through here.
 *
 * A remediation is free text that holds commands (`aws ivschat update-room --identifier {arn}`),
 * and text cannot tell its prose from its commands, so every value is filled as one shell word
 * (`shellWord`): what AWS produces (ARNs, regions, account ids, room names) stays as it is, prose
 * included, and anything else (a forged or hostile value) is single-quoted, inert when pasted into
 * a shell. A placeholder must therefore stand as a word of its own or part of one, never inside
 * quotes in the template (policies/README.md).
 */
export function fillRemediation(
  f: Pick<Finding, 'remediationTemplate' | 'roomArn' | 'roomId' | 'roomName' | 'region' | 'accountId'>,
): string {
  const values: Record<RemediationPlaceholder, string> = {
    arn: f.roomArn,
    id: f.roomId,
    name: f.roomName,
    region: f.region,
    accountId: f.accountId,
  };
  // A replacer function, so `$&` and the like in room data are inserted literally.
  return f.remediationTemplate.replace(PLACEHOLDER, (_, key: RemediationPlaceholder) =>
    shellWord(values[key]),
  );
}

/** A finding as the JSON outputs carry it: `remediation` filled, the template left out. */
export type ShownFinding<F extends Finding = Finding> = Omit<F, 'remediationTemplate'> & {
  remediation: string;
};

export function shownFinding<F extends Finding>(f: F): ShownFinding<F> {
  const { remediationTemplate: _template, ...rest } = f;
  return { ...rest, remediation: fillRemediation(f) };
}

/** The report as `--format json` prints it (the README's report contract). */
export type ShownReport = Omit<Report, 'findings'> & { findings: ShownFinding[] };

export function shownReport(report: Report): ShownReport {
  return { ...report, findings: report.findings.map((f) => shownFinding(f)) };
}
