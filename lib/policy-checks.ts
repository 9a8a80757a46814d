/**
 * `IvsChatPolicyChecks`: a CDK Aspect for applications that declare IVS Chat rooms, in the spirit of
 * cdk-nag's packs. Added to an app (or a stack), it audits every `CfnRoom` with the policies the
 * auditor runs on live rooms, through the same translation as `ivschat-audit template`
 * (lambda/iac): a violation is an error annotation, so `cdk synth` fails; an acknowledged one is an
 * info annotation that carries its reason; a policy that cannot judge the room before deploy (a
 * parameter without default, an import) is a warning saying why, never a silent pass.
 */
import { Annotations, type CfnElement, CfnParameter, type IAspect, Stack, Token } from 'aws-cdk-lib';
import { CfnLoggingConfiguration, CfnRoom } from 'aws-cdk-lib/aws-ivschat';
import type { IConstruct } from 'constructs';
import { cloudFormationRooms, ROOM_TYPE } from '../lambda/iac/cfn-rooms.js';
import { auditDeclaredRooms } from '../lambda/iac/evaluate.js';
import type { CompiledPolicy } from '../lambda/policy/compile.js';
import { DEFAULT_POLICIES_DIR, loadPolicyDir } from '../lambda/policy/load-dir.js';
import { InvalidPropsError } from './props.js';

/** One violation the application owner accepts, and why. */
export interface PolicyAcknowledgement {
  /** The id of the policy acknowledged (its file name without .json). */
  readonly policy: string;
  /** Why the violation is accepted: shown in the annotation; required. */
  readonly reason: string;
  /**
   * The rooms it holds for: construct paths (`Chat/Room`) or logical ids.
   * @default every room the Aspect visits
   */
  readonly rooms?: readonly string[];
}

export interface IvsChatPolicyChecksProps {
  /**
   * A folder of policy files (the format of `policies/`).
   * @default the policies this package ships (its `policies/` folder)
   */
  readonly policiesDir?: string;
  /**
   * Violations to report as info instead of errors.
   * @default none
   */
  readonly acknowledgements?: readonly PolicyAcknowledgement[];
}

/** The prefix of every annotation, so a reader (and a test) can tell ours from others. */
export const ANNOTATION_PREFIX = '[ivschat-audit]';

export class IvsChatPolicyChecks implements IAspect {
  private readonly policies: readonly CompiledPolicy[];
  private readonly acknowledgements: readonly PolicyAcknowledgement[];
  /** The acknowledgements that matched a violation, and the stack that reports the others. */
  private readonly used = new Set<PolicyAcknowledgement>();
  private reporter: Stack | undefined;

  constructor(props: IvsChatPolicyChecksProps = {}) {
    // Loaded once, when the app is built: a bad policy file stops the synth with its file and pointer.
    this.policies = loadPolicyDir(props.policiesDir ?? DEFAULT_POLICIES_DIR).policies;
    this.acknowledgements = props.acknowledgements ?? [];
    const known = new Set(this.policies.map((p) => p.policy.id));
    const problems = this.acknowledgements.flatMap((ack, i) => [
      ...(typeof ack.reason === 'string' && ack.reason.trim() !== ''
        ? []
        : [`acknowledgements[${i}]: a reason is required (why is the violation accepted?)`]),
      ...(known.has(ack.policy)
        ? []
        : [`acknowledgements[${i}]: no policy "${ack.policy}" in the policy folder`]),
    ]);
    if (problems.length > 0) throw new InvalidPropsError(problems, 'IvsChatPolicyChecks');
  }

  visit(node: IConstruct): void {
    if (!(node instanceof CfnRoom)) return;
    const stack = Stack.of(node);
    this.reportUnusedOn(stack);
    const logicalId = stack.resolve(node.logicalId) as string;
    const rooms = cloudFormationRooms(declaredTemplate(stack, node), {
      file: node.node.path,
      stackName: stack.stackName,
      // CloudFormation names a nested stack when it creates it.
      ...(stack.nested ? { stackNamedAtDeploy: true } : {}),
      ...(Token.isUnresolved(stack.account) ? {} : { accountId: stack.account }),
      ...(Token.isUnresolved(stack.region) ? {} : { region: stack.region }),
      lines: new Map(),
    });
    const now = new Date().toISOString();
    const report = auditDeclaredRooms(rooms, this.policies, { startedAt: now, finishedAt: now });
    const annotations = Annotations.of(node);
    for (const finding of report.findings) {
      const what = `${ANNOTATION_PREFIX} ${finding.policyId}: ${finding.message} (${finding.title})`;
      if (finding.status === 'exempt') {
        annotations.addInfo(`${what}; exempt: ${finding.exemption?.reason ?? ''}`);
        continue;
      }
      const ack = this.acknowledgement(finding.policyId, node.node.path, logicalId);
      if (ack) annotations.addInfo(`${what}; acknowledged: ${ack.reason}`);
      else annotations.addError(what);
    }
    for (const note of report.notEvaluated ?? []) {
      annotations.addWarningV2(
        `ivschat-audit:${note.policyId}:not-evaluated`,
        `${ANNOTATION_PREFIX} ${note.policyId} not evaluated: ${note.reason}`,
      );
    }
    // A rule that throws is reported, never passed.
    for (const error of report.errors) annotations.addError(`${ANNOTATION_PREFIX} ${error.message}`);
  }

  private acknowledgement(
    policy: string,
    path: string,
    logicalId: string,
  ): PolicyAcknowledgement | undefined {
    const ack = this.acknowledgements.find(
      (a) => a.policy === policy && (!a.rooms || a.rooms.includes(path) || a.rooms.includes(logicalId)),
    );
    if (ack) this.used.add(ack);
    return ack;
  }

  /**
   * An acknowledgement that matches no violation is stale (the room was fixed, renamed or removed)
   * and would silently cover the next violation: it is a warning. Known only once every room is
   * visited, so it is reported from a validation of the first stack with a room (validations run
   * after the aspects, before the annotations are written).
   */
  private reportUnusedOn(stack: Stack): void {
    if (this.reporter || this.acknowledgements.length === 0) return;
    this.reporter = stack;
    stack.node.addValidation({
      validate: () => {
        for (const ack of this.acknowledgements) {
          if (this.used.has(ack)) continue;
          const rooms = ack.rooms ? ack.rooms.join(', ') : 'every room';
          Annotations.of(stack).addWarningV2(
            `ivschat-audit:${ack.policy}:unused-acknowledgement`,
            `${ANNOTATION_PREFIX} the acknowledgement of ${ack.policy} for ${rooms} matched no violation; remove it ("${ack.reason}")`,
          );
        }
        return [];
      },
    });
  }
}

/**
 * The part of the stack's template the room's audit reads, exactly as CDK renders it into the
 * template: the room (property overrides and escape hatches included, tokens as CloudFormation
 * intrinsics, so `Fn.conditionIf` stays an `Fn::If` the audit reports as not evaluated), the stack's
 * logging configurations (joined like the live audit joins them) and its parameters (a parameter
 * without default leaves what reads it unevaluated). The stack's own tags go onto the room, as
 * CloudFormation propagates stack tags to the resources it creates (the room's own tag wins).
 */
function declaredTemplate(stack: Stack, room: CfnRoom): Record<string, unknown> {
  const template: { Parameters: Record<string, unknown>; Resources: Record<string, unknown> } = {
    Parameters: {},
    Resources: {},
  };
  const add = (element: CfnElement) => {
    const rendered = stack.resolve(renderElement(element)) as Partial<typeof template> | undefined;
    Object.assign(template.Resources, rendered?.Resources);
    Object.assign(template.Parameters, rendered?.Parameters);
  };
  add(room);
  for (const child of stack.node.findAll()) {
    const ours = Stack.of(child) === stack;
    if (ours && (child instanceof CfnLoggingConfiguration || child instanceof CfnParameter)) add(child);
  }
  withStackTags(template.Resources, stack.tags.tagValues());
  return template;
}

/**
 * What CDK writes for one element: `_toCloudFormation()`, the method synthesis itself calls (public
 * on CfnElement, underscored because apps do not call it, but stable across aws-cdk-lib v2).
 */
function renderElement(element: CfnElement): unknown {
  return (element as unknown as { _toCloudFormation(): unknown })._toCloudFormation();
}

function withStackTags(resources: Record<string, unknown>, stackTags: Record<string, string>): void {
  if (Object.keys(stackTags).length === 0) return;
  for (const resource of Object.values(resources)) {
    const r = resource as { Type?: unknown; Properties?: Record<string, unknown> };
    if (r.Type !== ROOM_TYPE) continue;
    r.Properties ??= {};
    const own = r.Properties.Tags;
    // Tags that are an intrinsic (Fn::If) stay as they are: the audit reports them not evaluated.
    if (own !== undefined && !Array.isArray(own)) continue;
    const list = (own ?? []) as { Key?: unknown }[];
    const keys = new Set(list.map((tag) => tag?.Key));
    const added = Object.entries(stackTags)
      .filter(([key]) => !keys.has(key))
      .map(([Key, Value]) => ({ Key, Value }));
    r.Properties.Tags = [...list, ...added];
  }
}
