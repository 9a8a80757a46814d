/**
 * The `AWS::IVSChat::Room` resources of a CloudFormation template as declared rooms: each property
 * mapped to its GetRoom field, the service defaults where it is left out, and the template's
 * `AWS::IVSChat::LoggingConfiguration` resources joined as the live audit joins the account's.
 * Pure: a parsed template in, rooms out.
 */
import { InputError } from '../core/errors.js';
import type { LoggingConfigurationFact, LoggingDestinationType, RoomDocument } from '../core/types.js';
import { NO_VALUE, type Resolved, resolveValue, type TemplateScope } from './cfn-values.js';
import {
  CLOUDFORMATION_PROPERTIES,
  cloudFormationIdentity,
  type DeclaredRoom,
  markAssignedAtCreation,
  SERVICE_DEFAULTS,
} from './declared-room.js';
import { escapePointer } from './parse-template.js';

export const ROOM_TYPE = 'AWS::IVSChat::Room';
export const LOGGING_CONFIGURATION_TYPE = 'AWS::IVSChat::LoggingConfiguration';

/** Where a template comes from and what is known of the stack it deploys. */
export interface TemplateOrigin {
  file: string;
  /** The stack's name; for a template read on its own and not named, its path (see stackNamedAtDeploy). */
  stackName: string;
  /** The real stack name is chosen at deploy: `AWS::StackName` is unknown (cfn-values.ts). */
  stackNamedAtDeploy?: boolean;
  /** The stack's tags (a cdk.out manifest's): CloudFormation propagates them to the room. */
  stackTags?: Record<string, string>;
  accountId?: string;
  region?: string;
  /** JSON pointer → line, from parse-template.ts (empty when the template was not read from a file). */
  lines: ReadonlyMap<string, number>;
}

interface Resource {
  Type?: unknown;
  Properties?: Record<string, unknown>;
  Metadata?: unknown;
}

/**
 * How a declared configuration joins into a room: as the live audit's `{ arn, name, state,
 * destinationType, destination }`. Its state is ACTIVE: CloudFormation finishes creating the
 * resource only when the service reports the configuration active, and a failure rolls the stack
 * back, rooms included. A destination the template does not decide (a bucket created beside it) is
 * left out of the fact.
 */
const DESTINATIONS: readonly [string, string, LoggingDestinationType][] = [
  ['S3', 'BucketName', 's3'],
  ['CloudWatchLogs', 'LogGroupName', 'cloudWatchLogs'],
  ['Firehose', 'DeliveryStreamName', 'firehose'],
];

/** The rooms `template` declares. Throws InputError when it is not a CloudFormation template. */
export function cloudFormationRooms(template: unknown, origin: TemplateOrigin): DeclaredRoom[] {
  const sections = template as Record<string, unknown> | null;
  if (!sections || typeof sections !== 'object' || !isRecord(sections.Resources)) {
    throw new InputError(`${origin.file}: not a CloudFormation template (it has no Resources section)`);
  }
  const resources = sections.Resources as Record<string, Resource>;
  const logging = new Map<string, string>();
  for (const [id, resource] of Object.entries(resources)) {
    if (resource?.Type === LOGGING_CONFIGURATION_TYPE)
      logging.set(id, cloudFormationIdentity(origin.stackName, id));
  }
  const scope: TemplateScope = {
    stackName: origin.stackName,
    ...(origin.stackNamedAtDeploy ? { stackNamedAtDeploy: true } : {}),
    ...(origin.accountId ? { accountId: origin.accountId } : {}),
    ...(origin.region ? { region: origin.region } : {}),
    parameters: recordOr(sections.Parameters),
    mappings: recordOr(sections.Mappings),
    resources,
    followed: logging,
  };
  const facts = new Map<string, LoggingConfigurationFact>();
  for (const [id, identity] of logging) facts.set(identity, loggingFact(identity, resources[id], scope));
  return Object.entries(resources)
    .filter(([, resource]) => resource?.Type === ROOM_TYPE)
    .map(([id, resource]) => declaredRoom(id, resource, scope, facts, origin));
}

function loggingFact(
  identity: string,
  resource: Resource | undefined,
  scope: TemplateScope,
): LoggingConfigurationFact {
  const props = resource?.Properties ?? {};
  const fact: LoggingConfigurationFact = { arn: identity, state: 'ACTIVE' };
  const name = resolveValue(props.Name, scope);
  if (name.known && typeof name.value === 'string') fact.name = name.value;
  const config = resolveValue(props.DestinationConfiguration, scope);
  const declared = isRecord(props.DestinationConfiguration) ? props.DestinationConfiguration : {};
  for (const [key, field, type] of DESTINATIONS) {
    if (!Object.hasOwn(declared, key)) continue;
    fact.destinationType = type;
    const target = config.known
      ? (config.value as Record<string, Record<string, unknown>>)[key]?.[field]
      : undefined;
    if (typeof target === 'string') fact.destination = target;
  }
  return fact;
}

/** One room: its properties as GetRoom fields, defaults, the join, and the lines of each property. */
function declaredRoom(
  logicalId: string,
  resource: Resource,
  scope: TemplateScope,
  facts: ReadonlyMap<string, LoggingConfigurationFact>,
  origin: TemplateOrigin,
): DeclaredRoom {
  const identity = cloudFormationIdentity(origin.stackName, logicalId);
  const at = `/Resources/${escapePointer(logicalId)}`;
  const props = isRecord(resource.Properties) ? resource.Properties : {};
  const unresolved = new Map<string, string>();
  const document: RoomDocument = { arn: identity };
  const value = (property: string): Resolved => {
    const resolved = resolveValue(props[property], scope);
    return resolved.known && resolved.value === NO_VALUE ? { known: true, value: undefined } : resolved;
  };
  const set = (field: string, property: string, convert: (v: unknown) => unknown, fallback: unknown) => {
    const resolved = value(property);
    if (!resolved.known) unresolved.set(field, `${property} ${resolved.reason}`);
    else document[field] = resolved.value === undefined ? fallback : convert(resolved.value);
  };
  set('name', 'Name', (v) => v, SERVICE_DEFAULTS.name);
  set('maximumMessageLength', 'MaximumMessageLength', toNumber, SERVICE_DEFAULTS.maximumMessageLength);
  set(
    'maximumMessageRatePerSecond',
    'MaximumMessageRatePerSecond',
    toNumber,
    SERVICE_DEFAULTS.maximumMessageRatePerSecond,
  );
  set('messageReviewHandler', 'MessageReviewHandler', toHandler, undefined);
  set('loggingConfigurationIdentifiers', 'LoggingConfigurationIdentifiers', (v) => v, [
    ...SERVICE_DEFAULTS.loggingConfigurationIdentifiers,
  ]);
  set('tags', 'Tags', toTags, { ...SERVICE_DEFAULTS.tags });
  if (origin.stackTags && isRecord(document.tags)) document.tags = { ...origin.stackTags, ...document.tags };
  markAssignedAtCreation(unresolved);
  if (document.messageReviewHandler === undefined) delete document.messageReviewHandler;
  joinDeclared(document, unresolved, facts);
  if (!scope.accountId) unresolved.set('accountId', 'the account is chosen at deploy (the stack names none)');
  if (!scope.region) unresolved.set('region', 'the region is chosen at deploy (the stack names none)');
  return {
    identity,
    document,
    unresolved,
    ...(scope.accountId ? { accountId: scope.accountId } : {}),
    ...(scope.region ? { region: scope.region } : {}),
    file: origin.file,
    ...constructPathOf(resource),
    line: origin.lines.get(at) ?? 1,
    lines: propertyLines(at, props, origin.lines),
    properties: CLOUDFORMATION_PROPERTIES,
  };
}

/**
 * `loggingConfigurations` joined from the template's own configurations. One the template does not
 * declare (an ARN of an existing configuration) leaves the join unknown: its state is the account's.
 */
function joinDeclared(
  document: RoomDocument,
  unresolved: Map<string, string>,
  facts: ReadonlyMap<string, LoggingConfigurationFact>,
): void {
  const idsReason = unresolved.get('loggingConfigurationIdentifiers');
  if (idsReason) {
    unresolved.set('loggingConfigurations', idsReason);
    return;
  }
  const ids = Array.isArray(document.loggingConfigurationIdentifiers)
    ? document.loggingConfigurationIdentifiers
    : [];
  const outside = ids.find((id) => !facts.has(String(id)));
  if (outside !== undefined) {
    unresolved.set(
      'loggingConfigurations',
      `LoggingConfigurationIdentifiers names ${String(outside)}, which this template does not declare: its state is known only in the account`,
    );
    return;
  }
  document.loggingConfigurations = ids.map((id) => facts.get(String(id)) as LoggingConfigurationFact);
}

/** The line of each property, keyed by the room document pointer it becomes. */
function propertyLines(at: string, props: Record<string, unknown>, lines: ReadonlyMap<string, number>) {
  const out = new Map<string, number>();
  const put = (pointer: string, templatePointer: string) => {
    const line = lines.get(`${at}/Properties/${templatePointer}`);
    if (line !== undefined) out.set(pointer, line);
  };
  put('/name', 'Name');
  put('/maximumMessageLength', 'MaximumMessageLength');
  put('/maximumMessageRatePerSecond', 'MaximumMessageRatePerSecond');
  put('/messageReviewHandler', 'MessageReviewHandler');
  put('/messageReviewHandler/uri', 'MessageReviewHandler/Uri');
  put('/messageReviewHandler/fallbackResult', 'MessageReviewHandler/FallbackResult');
  put('/loggingConfigurationIdentifiers', 'LoggingConfigurationIdentifiers');
  put('/loggingConfigurations', 'LoggingConfigurationIdentifiers');
  put('/tags', 'Tags');
  const ids = Array.isArray(props.LoggingConfigurationIdentifiers)
    ? props.LoggingConfigurationIdentifiers
    : [];
  ids.forEach((_, i) => {
    put(`/loggingConfigurationIdentifiers/${i}`, `LoggingConfigurationIdentifiers/${i}`);
    put(`/loggingConfigurations/${i}`, `LoggingConfigurationIdentifiers/${i}`);
  });
  const tags = Array.isArray(props.Tags) ? props.Tags : [];
  tags.forEach((tag, i) => {
    const key = (tag as { Key?: unknown } | null)?.Key;
    if (typeof key === 'string') put(`/tags/${escapePointer(key)}`, `Tags/${i}`);
  });
  return out;
}

function constructPathOf(resource: Resource): { constructPath?: string } {
  const path = isRecord(resource.Metadata) ? resource.Metadata['aws:cdk:path'] : undefined;
  return typeof path === 'string' && path !== '' ? { constructPath: path } : {};
}

/** CloudFormation passes a Number parameter as a string: `"300"` is 300 to the service. */
function toNumber(value: unknown): unknown {
  return typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
}

function toHandler(value: unknown): unknown {
  if (!isRecord(value)) return value;
  return { uri: value.Uri, fallbackResult: value.FallbackResult ?? SERVICE_DEFAULTS.fallbackResult };
}

/** `[{ Key, Value }]` → `{ key: value }`, as GetRoom prints tags. */
function toTags(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  const tags: Record<string, unknown> = {};
  for (const tag of value) {
    const { Key, Value } = (tag ?? {}) as { Key?: unknown; Value?: unknown };
    if (typeof Key === 'string') tags[Key] = Value;
  }
  return tags;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function recordOr(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}
