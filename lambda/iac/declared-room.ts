/**
 * A room as infrastructure as code declares it, before it exists: the document GetRoom would print
 * once it is deployed (as far as the declaration decides it), what is not known yet and why, and
 * where it is declared. CloudFormation (cfn-rooms.ts) and Terraform (terraform-rooms.ts) both make
 * these; evaluate.ts audits them with the policies the live audit uses.
 */
import type { RoomDocument } from '../core/types.js';

/**
 * The service's values for what a declaration leaves out: CreateRoom's documented defaults (the IVS
 * Chat API model in shared/aws-models: "Default: 500", "Default: 10", fallbackResult "Default:
 * ALLOW"), which the AWS::IVSChat::Room registry schema repeats (aws-cdk-lib's CfnRoom documents
 * `@default - 500`, `- 10` and `- "ALLOW"` from it). A room created without a name, logging
 * configurations or tags reads back with `""`, `[]` and `{}` from GetRoom (as the emulator answers).
 */
export const SERVICE_DEFAULTS = {
  name: '',
  maximumMessageLength: 500,
  maximumMessageRatePerSecond: 10,
  fallbackResult: 'ALLOW',
  loggingConfigurationIdentifiers: [] as string[],
  tags: {} as Record<string, string>,
} as const;

/**
 * What the service assigns when it creates the room: no declaration decides them. `arn` holds the
 * declared identity, which stands in for the ARN in findings and exemptions, but a policy that reads
 * the ARN itself (or the id, or a time) cannot judge the room before it exists.
 */
export const ASSIGNED_AT_CREATION = ['arn', 'id', 'createTime', 'updateTime'] as const;

export function markAssignedAtCreation(unresolved: Map<string, string>): void {
  for (const field of ASSIGNED_AT_CREATION) {
    unresolved.set(field, `${field} is assigned when the room is created`);
  }
}

/** The name of a declared room, in findings and in policy exemptions, until it has an ARN. */
export function cloudFormationIdentity(stackName: string, logicalId: string): string {
  return `cloudformation:${stackName}/${logicalId}`;
}

export function terraformIdentity(address: string): string {
  return `terraform:${address}`;
}

export interface DeclaredRoom {
  /** `cloudformation:STACK/LOGICAL_ID` or `terraform:ADDRESS` (the document's `arn`, which it has not yet). */
  identity: string;
  /**
   * The room as GetRoom would print it, defaults filled in and the logging configurations declared
   * beside it joined; a field in `unresolved` is left out.
   */
  document: RoomDocument;
  /** Room field (top level, as core/room-fields.ts names them) → why its value is not known before deploy. */
  unresolved: ReadonlyMap<string, string>;
  /** The account and region it will be deployed to, when the declaration says. */
  accountId?: string;
  region?: string;
  /** The file it is declared in, as given. */
  file: string;
  /**
   * The CDK construct path of its declaration (`aws:cdk:path` in the resource's Metadata), which
   * leads to the source of a template `cdk synth` generated.
   */
  constructPath?: string;
  /** The line of its declaration. */
  line: number;
  /** Room document pointer (`/maximumMessageLength`, `/tags/owner`) → the line of the property declaring it. */
  lines: ReadonlyMap<string, number>;
  /** Top-level room field → the property (attribute) that declares it, as the declaration names it. */
  properties: ReadonlyMap<string, string>;
}

/** Where a CloudFormation room's fields are declared. */
export const CLOUDFORMATION_PROPERTIES: ReadonlyMap<string, string> = new Map([
  ['name', 'Name'],
  ['maximumMessageLength', 'MaximumMessageLength'],
  ['maximumMessageRatePerSecond', 'MaximumMessageRatePerSecond'],
  ['messageReviewHandler', 'MessageReviewHandler'],
  ['loggingConfigurationIdentifiers', 'LoggingConfigurationIdentifiers'],
  ['loggingConfigurations', 'LoggingConfigurationIdentifiers'],
  ['tags', 'Tags'],
]);

/** Where a Terraform room's fields are declared. */
export const TERRAFORM_ATTRIBUTES: ReadonlyMap<string, string> = new Map([
  ['name', 'name'],
  ['maximumMessageLength', 'maximum_message_length'],
  ['maximumMessageRatePerSecond', 'maximum_message_rate_per_second'],
  ['messageReviewHandler', 'message_review_handler'],
  ['loggingConfigurationIdentifiers', 'logging_configuration_identifiers'],
  ['loggingConfigurations', 'logging_configuration_identifiers'],
  ['tags', 'tags'],
]);

/** The line of the property behind a room document pointer: the longest declared prefix, else the room's own line. */
export function lineOf(room: Pick<DeclaredRoom, 'line' | 'lines'>, pointer: string): number {
  let at = pointer;
  while (at !== '') {
    const line = room.lines.get(at);
    if (line !== undefined) return line;
    at = at.slice(0, at.lastIndexOf('/'));
  }
  return room.line;
}
