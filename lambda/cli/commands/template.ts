/**
 * `ivschat-audit template PATH…`: the rooms that CloudFormation templates, cdk.out folders and
 * Terraform plans declare, audited before they exist with the policies, exemptions, formats and
 * exit codes of `audit`. What a template leaves unknown until deploy is reported as not evaluated.
 */
import { relative, resolve } from 'node:path';
import { ConfigError } from '../../core/errors.js';
import type { Severity } from '../../core/types.js';
import { type DeclaredRoom, lineOf } from '../../iac/declared-room.js';
import { auditDeclaredRooms } from '../../iac/evaluate.js';
import type { SourceLine } from '../../render/sarif.js';
import { checkAccounts } from '../accounts.js';
import type { CliCommand, CommandContext } from '../command.js';
import type { SafeIo } from '../io.js';
import { checkRegionFlags } from '../live-flags.js';
import { option, ownOption } from '../options.js';
import { checkFilePaths, STDOUT } from '../paths.js';
import { loadPolicyFolder } from '../policies-dir.js';
import { selectPolicies } from '../policy-selection.js';
import type { ReportFormat } from '../report-output.js';
import { readDeclaredRooms } from '../template-files.js';
import { exitFor, report } from './audit.js';

export interface TemplateFlags {
  paths: string[];
  policies: string;
  policy: string[];
  skipPolicy: string[];
  account: string[];
  region: string[];
  stackName?: string;
  format: ReportFormat;
  failOn: Severity | 'none';
  output?: string;
  strict?: boolean;
}

export function templateCommand({ io, policiesDefault }: CommandContext): CliCommand<TemplateFlags> {
  return {
    name: 'template',
    description:
      'audit the rooms that infrastructure as code declares, before deploy: CloudFormation templates (JSON or YAML), cdk.out folders, terraform show -json plans',
    inputs: {
      paths: {
        kind: 'argument',
        name: '<path...>',
        description:
          'a template file, a terraform show -json plan file, or a cdk.out folder (every stack in it)',
      },
      policies: option('policies', undefined, {
        default: policiesDefault.dir,
        defaultDescription: policiesDefault.description,
      }),
      policy: option('policy', 'evaluate only this policy (repeat for several)'),
      skipPolicy: option('skipPolicy', 'do not evaluate this policy (repeat for several)'),
      account: option(
        'account',
        'the 12-digit account the templates deploy to, where they do not say (a cdk.out stack with an env names its own)',
      ),
      region: option('region', 'the region the templates deploy to, where they do not say'),
      stackName: ownOption(
        '--stack-name <name>',
        'the stack a template file deploys as (one template file; a cdk.out folder names its stacks): without it, the file path stands for the stack and AWS::StackName is unknown',
      ),
      format: option('format'),
      failOn: option('failOn'),
      output: ownOption(
        '-o, --output <file>',
        'write the report to a file instead of stdout (- is stdout); a summary line goes to stderr',
      ),
      strict: ownOption<boolean>(
        '--strict',
        'a policy not evaluated because a value is known only at deploy makes the run incomplete (exit 3) instead of a warning',
      ),
    },
    helpAfter:
      '\nA room is named cloudformation:STACK/LOGICAL_ID (terraform:ADDRESS for a plan) in findings and in\n' +
      'policy exemptions; a template file without --stack-name is named by its path. A deployed room is\n' +
      'exempted only as cloudformation:ACCOUNT/REGION/STACK/LOGICAL_ID. A property left out gets the\n' +
      "service's default (500, 10, fallback ALLOW). A value known only at deploy (a parameter without\n" +
      "default, an import, another resource's attribute, a condition, AWS::StackName) leaves the\n" +
      'policies reading it not evaluated, with the reason.\n' +
      '\nExamples:\n' +
      '  $ npx cdk synth && ivschat-audit template cdk.out --format sarif -o ivschat.sarif\n' +
      '  $ ivschat-audit template chat.yaml --region eu-west-1 --fail-on high\n' +
      '  $ terraform show -json plan.out > plan.json && ivschat-audit template plan.json',
    run: (flags) => template(flags, io),
  };
}

/** Exit codes as `audit`: 0 clean, 1 a finding at or above --fail-on, 2 bad input, 3 incomplete. */
export async function template(flags: TemplateFlags, io: SafeIo): Promise<number> {
  checkRegionFlags(flags.region);
  const [accountId, ...moreAccounts] = checkAccounts(flags.account);
  const [region, ...moreRegions] = flags.region;
  if (moreAccounts.length > 0)
    throw new ConfigError('--account', 'give one account: the one the templates deploy to');
  if (moreRegions.length > 0)
    throw new ConfigError('--region', 'give one region: the one the templates deploy to');
  const output = flags.output === STDOUT ? undefined : flags.output;
  if (output) {
    await checkFilePaths({ output });
    // The report must not overwrite what it audits (a template named by mistake as the output).
    const target = resolve(output);
    if (flags.paths.some((path) => resolve(path) === target)) {
      throw new ConfigError(
        '--output',
        `${output} is one of the templates audited; the report would overwrite it`,
      );
    }
  }
  const { policies: folder } = loadPolicyFolder('--policies', flags.policies);
  const policies = selectPolicies(folder, flags, flags.policies);
  const clock = io.clock ?? (() => new Date());
  const startedAt = clock().toISOString();
  const cwd = io.cwd ?? process.cwd();
  if (flags.stackName !== undefined) checkStackName(flags.stackName, flags.paths);
  const rooms = await readDeclaredRooms(flags.paths, {
    ...(accountId ? { accountId } : {}),
    ...(region ? { region } : {}),
    ...(flags.stackName ? { stackName: flags.stackName } : {}),
    cwd,
  });
  const audited = auditDeclaredRooms(rooms, policies, { startedAt, finishedAt: clock().toISOString() });
  const warnings = rooms.length === 0 ? [`no IVS Chat rooms declared in ${flags.paths.join(', ')}`] : [];
  const target = { report: audited, resolved: [], warnings };
  await report(target, flags, io, policies, output, locator(rooms, cwd));
  return exitFor(target, flags.failOn);
}

/** CloudFormation's stack names: a letter, then letters, digits and hyphens, at most 128. */
function checkStackName(name: string, paths: readonly string[]): void {
  if (!/^[A-Za-z][-A-Za-z0-9]{0,127}$/.test(name)) {
    throw new ConfigError(
      '--stack-name',
      'a stack name is a letter, then letters, digits and hyphens (at most 128)',
    );
  }
  if (paths.length !== 1) {
    throw new ConfigError('--stack-name', 'names the stack of one template file; give one path with it');
  }
}

/** SARIF places a finding at its template and the line of the property it is about. */
function locator(rooms: readonly DeclaredRoom[], cwd: string) {
  const byIdentity = new Map(rooms.map((room) => [room.identity, room]));
  return (finding: { roomArn: string; path: string }): SourceLine | undefined => {
    const room = byIdentity.get(finding.roomArn);
    if (!room) return undefined;
    return { file: relative(cwd, room.file) || room.file, line: lineOf(room, finding.path) };
  };
}
