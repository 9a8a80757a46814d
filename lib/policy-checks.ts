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
import { cloudFormationRooms, LOGGING_CONFIGURATION_TYPE, ROOM_TYPE } from '../lambda/iac/cfn-rooms.js';
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
    const logicalId = stack.resolve(node.logicalId) as string;
    const rooms = cloudFormationRooms(declaredTemplate(stack, node, logicalId), {
      file: node.node.path,
      stackName: stack.stackName,
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
    return this.acknowledgements.find(
      (ack) =>
        ack.policy === policy && (!ack.rooms || ack.rooms.includes(path) || ack.rooms.includes(logicalId)),
    );
  }
}

/**
 * The part of the stack's template the room's audit reads, as CloudFormation will receive it: the
 * room, the stack's logging configurations (joined like the live audit joins them) and its
 * parameters (a parameter without default leaves what reads it unevaluated). Built from the
 * constructs' public properties, resolved by the stack as synth resolves them.
 */
function declaredTemplate(stack: Stack, room: CfnRoom, logicalId: string): Record<string, unknown> {
  const resources: Record<string, unknown> = {
    [logicalId]: { Type: ROOM_TYPE, Properties: roomProperties(stack, room) },
  };
  const parameters: Record<string, unknown> = {};
  for (const child of stack.node.findAll()) {
    if (child instanceof CfnLoggingConfiguration && Stack.of(child) === stack) {
      resources[idOf(stack, child)] = {
        Type: LOGGING_CONFIGURATION_TYPE,
        Properties: stack.resolve({
          Name: child.name,
          DestinationConfiguration: destination(stack.resolve(child.destinationConfiguration)),
        }),
      };
    } else if (child instanceof CfnParameter && Stack.of(child) === stack) {
      parameters[idOf(stack, child)] = {
        Type: child.type,
        ...(child.default === undefined ? {} : { Default: child.default }),
      };
    }
  }
  return { Parameters: parameters, Resources: resources };
}

function idOf(stack: Stack, element: CfnElement): string {
  return stack.resolve(element.logicalId) as string;
}

function roomProperties(stack: Stack, room: CfnRoom): Record<string, unknown> {
  const handler = stack.resolve(room.messageReviewHandler) as
    | { uri?: unknown; fallbackResult?: unknown }
    | undefined;
  const tags = (stack.resolve(room.tags.renderTags()) ?? []) as {
    key?: unknown;
    value?: unknown;
    Key?: unknown;
    Value?: unknown;
  }[];
  const props: Record<string, unknown> = stack.resolve({
    Name: room.name,
    MaximumMessageLength: room.maximumMessageLength,
    MaximumMessageRatePerSecond: room.maximumMessageRatePerSecond,
    LoggingConfigurationIdentifiers: room.loggingConfigurationIdentifiers,
  });
  if (handler) props.MessageReviewHandler = { Uri: handler.uri, FallbackResult: handler.fallbackResult };
  if (tags.length > 0) props.Tags = tags.map((t) => ({ Key: t.Key ?? t.key, Value: t.Value ?? t.value }));
  for (const key of Object.keys(props)) if (props[key] === undefined) delete props[key];
  return props;
}

/** The construct's camelCase destination as CloudFormation's property names. */
function destination(config: unknown): Record<string, unknown> {
  const c = (config ?? {}) as Record<string, Record<string, unknown> | undefined>;
  return {
    ...(c.s3 ? { S3: { BucketName: c.s3.bucketName } } : {}),
    ...(c.cloudWatchLogs ? { CloudWatchLogs: { LogGroupName: c.cloudWatchLogs.logGroupName } } : {}),
    ...(c.firehose ? { Firehose: { DeliveryStreamName: c.firehose.deliveryStreamName } } : {}),
  };
}
