/**
 * The `aws_ivschat_room` resources of a `terraform show -json` plan as declared rooms. The plan's
 * `planned_values` hold what Terraform will send; an attribute it cannot know before apply is
 * missing there and `true` in the resource change's `after_unknown`. The aws provider marks the
 * room's optional settings Optional+Computed, so an attribute the configuration does not set is also
 * "unknown" in the plan: the service then applies its default (declared-room.ts), which is what the
 * room will hold. Only an attribute the configuration sets from something known after apply stays
 * unknown. `logging_configuration_identifiers` that reference `aws_ivschat_logging_configuration`
 * resources of the same plan are joined with them. Pure.
 */
import { InputError } from '../core/errors.js';
import type { LoggingConfigurationFact, LoggingDestinationType, RoomDocument } from '../core/types.js';
import {
  type DeclaredRoom,
  markAssignedAtCreation,
  SERVICE_DEFAULTS,
  TERRAFORM_ATTRIBUTES,
  terraformIdentity,
} from './declared-room.js';
import { escapePointer } from './parse-template.js';

export const ROOM_RESOURCE = 'aws_ivschat_room';
export const LOGGING_RESOURCE = 'aws_ivschat_logging_configuration';

/** A resource of `planned_values`, with where it sits in the plan file. */
interface PlannedResource {
  address: string;
  type: string;
  mode?: string;
  values: Record<string, unknown>;
  pointer: string;
}

/** What the plan knows of one resource beyond its planned values. */
interface Known {
  unknown: Record<string, unknown>;
  /** Attribute → the references of its configured expression (absent: not set in the configuration). */
  expressions: ReadonlyMap<string, readonly string[]>;
  /** The configuration's expressions as written (a block's are a list of objects). */
  configured: Record<string, unknown>;
}

/** True when `value` looks like `terraform show -json` output of a plan. */
export function isTerraformPlan(value: unknown): boolean {
  return isRecord(value) && typeof value.format_version === 'string' && isRecord(value.planned_values);
}

/** The account and region to assume where the plan does not say. */
export interface PlanTarget {
  accountId?: string;
  region?: string;
}

/**
 * The rooms a plan declares. The region is the aws provider's when its configuration sets it as a
 * constant, the account the one of its `allowed_account_ids` when it lists exactly one; else the
 * `assumed` ones (the CLI's --account and --region), else unknown.
 */
export function terraformRooms(
  plan: unknown,
  file: string,
  lines: ReadonlyMap<string, number>,
  assumed: PlanTarget = {},
): DeclaredRoom[] {
  if (!isTerraformPlan(plan))
    throw new InputError(`${file}: not a terraform show -json plan (no planned_values)`);
  const root = plan as Record<string, unknown>;
  const planned = plannedResources(
    (root.planned_values as Record<string, unknown>).root_module,
    '/planned_values/root_module',
  );
  const known = knownOf(root);
  const provider = providerTarget(root.configuration);
  const region = provider.region ?? assumed.region;
  const accountId = provider.accountId ?? assumed.accountId;
  const facts = new Map<string, LoggingConfigurationFact>();
  for (const r of planned.filter((p) => p.type === LOGGING_RESOURCE && p.mode !== 'data')) {
    facts.set(configAddress(r.address), loggingFact(r));
  }
  return planned
    .filter((r) => r.type === ROOM_RESOURCE && r.mode !== 'data')
    .map((r) =>
      declaredRoom(r, known(r.address), facts, {
        file,
        lines,
        ...(region ? { region } : {}),
        ...(accountId ? { accountId } : {}),
      }),
    );
}

function plannedResources(module: unknown, pointer: string): PlannedResource[] {
  if (!isRecord(module)) return [];
  const own = (Array.isArray(module.resources) ? module.resources : []).flatMap((r, i) =>
    isRecord(r) && typeof r.address === 'string' && typeof r.type === 'string'
      ? [
          {
            address: r.address,
            type: r.type,
            mode: String(r.mode ?? 'managed'),
            values: recordOr(r.values),
            pointer: `${pointer}/resources/${i}`,
          },
        ]
      : [],
  );
  const children = (Array.isArray(module.child_modules) ? module.child_modules : []).flatMap((child, i) =>
    plannedResources(child, `${pointer}/child_modules/${i}`),
  );
  return [...own, ...children];
}

/** Per resource address: its change's `after_unknown`, and its configured expressions' references. */
function knownOf(plan: Record<string, unknown>): (address: string) => Known {
  const changes = new Map<string, Record<string, unknown>>();
  for (const change of Array.isArray(plan.resource_changes) ? plan.resource_changes : []) {
    if (isRecord(change) && typeof change.address === 'string') {
      changes.set(change.address, recordOr(recordOr(change.change).after_unknown));
    }
  }
  const configured = new Map<string, { expressions: Map<string, string[]>; raw: Record<string, unknown> }>();
  const walk = (module: unknown, prefix: string) => {
    if (!isRecord(module)) return;
    for (const r of Array.isArray(module.resources) ? module.resources : []) {
      if (!isRecord(r) || typeof r.address !== 'string') continue;
      const expressions = new Map<string, string[]>();
      for (const [name, expr] of Object.entries(recordOr(r.expressions)))
        expressions.set(name, referencesIn(expr));
      configured.set(prefix + r.address, { expressions, raw: recordOr(r.expressions) });
    }
    for (const [name, call] of Object.entries(recordOr(module.module_calls))) {
      walk(recordOr(call).module, `${prefix}module.${name}.`);
    }
  };
  walk(recordOr(plan.configuration).root_module, '');
  return (address) => {
    const config = configured.get(configAddress(address));
    return {
      unknown: changes.get(address) ?? {},
      expressions: config?.expressions ?? new Map(),
      configured: config?.raw ?? {},
    };
  };
}

/** `module.a["x"].aws_ivschat_room.r[0]` → `module.a.aws_ivschat_room.r`: the configuration's address. */
function configAddress(address: string): string {
  return address.replace(/\[[^\]]*\]/g, '');
}

function providerTarget(configuration: unknown): PlanTarget {
  const aws = recordOr(recordOr(recordOr(configuration).provider_config).aws);
  const expressions = recordOr(aws.expressions);
  const region = recordOr(expressions.region).constant_value;
  const accounts = recordOr(expressions.allowed_account_ids).constant_value;
  const [account, ...others] = Array.isArray(accounts) ? accounts : [];
  return {
    ...(typeof region === 'string' ? { region } : {}),
    ...(typeof account === 'string' && others.length === 0 ? { accountId: account } : {}),
  };
}

const DESTINATIONS: readonly [string, string, LoggingDestinationType][] = [
  ['s3', 'bucket_name', 's3'],
  ['cloudwatch_logs', 'log_group_name', 'cloudWatchLogs'],
  ['firehose', 'delivery_stream_name', 'firehose'],
];

/** A planned logging configuration as the live join's fact; ACTIVE for the reason cfn-rooms.ts gives. */
function loggingFact(r: PlannedResource): LoggingConfigurationFact {
  const fact: LoggingConfigurationFact = { arn: configAddress(r.address), state: 'ACTIVE' };
  if (typeof r.values.name === 'string') fact.name = r.values.name;
  const destination = recordOr(first(r.values.destination_configuration));
  for (const [block, field, type] of DESTINATIONS) {
    const value = first(destination[block]);
    if (!isRecord(value)) continue;
    fact.destinationType = type;
    if (typeof value[field] === 'string') fact.destination = value[field] as string;
  }
  return fact;
}

interface Place {
  file: string;
  lines: ReadonlyMap<string, number>;
  region?: string;
  accountId?: string;
}

function declaredRoom(
  r: PlannedResource,
  known: Known,
  facts: ReadonlyMap<string, LoggingConfigurationFact>,
  place: Place,
): DeclaredRoom {
  const identity = terraformIdentity(r.address);
  const unresolved = new Map<string, string>();
  const document: RoomDocument = { arn: identity };
  // The value Terraform will send, the service default when the configuration leaves it out, or
  // unknown when the configuration sets it from something known only after apply.
  const attribute = (name: string, fallback: unknown): { value: unknown } | { reason: string } => {
    const unknownHere = hasUnknown(known.unknown[name]);
    if (!unknownHere) return { value: r.values[name] ?? fallback };
    const refs = known.expressions.get(name);
    if (refs === undefined) return { value: fallback };
    return { reason: `${name} is known only after apply${refs[0] ? ` (from ${refs[0]})` : ''}` };
  };
  const set = (
    field: string,
    name: string,
    fallback: unknown,
    convert: (v: unknown) => unknown = (v) => v,
  ) => {
    const got = attribute(name, fallback);
    if ('reason' in got) unresolved.set(field, got.reason);
    else {
      const value = got.value === undefined ? undefined : convert(got.value);
      if (value !== undefined) document[field] = value;
    }
  };
  set('name', 'name', SERVICE_DEFAULTS.name);
  set('maximumMessageLength', 'maximum_message_length', SERVICE_DEFAULTS.maximumMessageLength);
  set(
    'maximumMessageRatePerSecond',
    'maximum_message_rate_per_second',
    SERVICE_DEFAULTS.maximumMessageRatePerSecond,
  );
  const handler = reviewHandler(r, known);
  if ('reason' in handler) unresolved.set('messageReviewHandler', handler.reason);
  else if (handler.value !== undefined)
    document.messageReviewHandler = handler.value as RoomDocument['messageReviewHandler'];
  // tags_all adds the provider's default_tags, as GetRoom shows them; it is computed, so it may be unknown.
  const allTags = isRecord(r.values.tags_all) && known.unknown.tags_all !== true;
  set('tags', allTags ? 'tags_all' : 'tags', { ...SERVICE_DEFAULTS.tags });
  joinPlanned(r, known, facts, document, unresolved);
  markAssignedAtCreation(unresolved);
  if (!place.accountId)
    unresolved.set('accountId', 'the account is the one Terraform applies with, not named in the plan');
  if (!place.region)
    unresolved.set('region', "the region is not a constant of the aws provider's configuration");
  const at = r.pointer;
  const lines = new Map<string, number>();
  const put = (pointer: string, attr: string) => {
    const line = place.lines.get(`${at}/values/${attr}`);
    if (line !== undefined) lines.set(pointer, line);
  };
  put('/name', 'name');
  put('/maximumMessageLength', 'maximum_message_length');
  put('/maximumMessageRatePerSecond', 'maximum_message_rate_per_second');
  put('/messageReviewHandler', 'message_review_handler');
  put('/loggingConfigurationIdentifiers', 'logging_configuration_identifiers');
  put('/loggingConfigurations', 'logging_configuration_identifiers');
  put('/tags', 'tags');
  for (const key of Object.keys(recordOr(r.values.tags)))
    put(`/tags/${escapePointer(key)}`, `tags/${escapePointer(key)}`);
  return {
    identity,
    document,
    unresolved,
    ...(place.accountId ? { accountId: place.accountId } : {}),
    ...(place.region ? { region: place.region } : {}),
    file: place.file,
    line: place.lines.get(at) ?? 1,
    lines,
    properties: TERRAFORM_ATTRIBUTES,
  };
}

/**
 * The identifiers and their join: planned ARNs are known only for configurations that already
 * exist, so the configuration's references name the planned logging configurations instead.
 */
function joinPlanned(
  r: PlannedResource,
  known: Known,
  facts: ReadonlyMap<string, LoggingConfigurationFact>,
  document: RoomDocument,
  unresolved: Map<string, string>,
): void {
  const name = 'logging_configuration_identifiers';
  const planned = r.values[name];
  if (known.unknown[name] !== true) {
    const ids = Array.isArray(planned)
      ? planned.map(String)
      : [...SERVICE_DEFAULTS.loggingConfigurationIdentifiers];
    document.loggingConfigurationIdentifiers = ids;
    if (ids.length === 0) document.loggingConfigurations = [];
    else
      unresolved.set(
        'loggingConfigurations',
        `${name} names ${ids[0]}, which this plan does not create: its state is known only in the account`,
      );
    return;
  }
  const refs = (known.expressions.get(name) ?? []).filter(
    (ref) => ref.startsWith(`${LOGGING_RESOURCE}.`) || ref.includes(`.${LOGGING_RESOURCE}.`),
  );
  const configs = [...new Set(refs.map((ref) => ref.replace(/\.arn$|\.id$/, '')))].filter((ref) =>
    facts.has(ref),
  );
  const others = (known.expressions.get(name) ?? []).filter((ref) => !refs.includes(ref));
  if (configs.length === 0 || others.length > 0) {
    const reason = `${name} is known only after apply${(others[0] ?? refs[0]) ? ` (from ${others[0] ?? refs[0]})` : ''}`;
    unresolved.set('loggingConfigurationIdentifiers', reason);
    unresolved.set('loggingConfigurations', reason);
    return;
  }
  document.loggingConfigurationIdentifiers = configs;
  document.loggingConfigurations = configs.map((ref) => facts.get(ref) as LoggingConfigurationFact);
}

/**
 * The provider's one-block list (`message_review_handler = [{ uri, fallback_result }]`) as GetRoom's
 * object. `fallback_result` is Optional+Computed: unknown in the plan when the block leaves it out,
 * and then the service's ALLOW; a `uri` (or a set `fallback_result`) known only after apply leaves
 * the handler unknown.
 */
function reviewHandler(r: PlannedResource, known: Known): { value: unknown } | { reason: string } {
  const name = 'message_review_handler';
  const mark = known.unknown[name];
  const unknownBlock = mark === true ? true : first(mark);
  const configuredBlock = recordOr(first(known.configured[name]));
  const after = (field: string) => {
    const refs = referencesIn(configuredBlock[field]);
    return { reason: `${name}.${field} is known only after apply${refs[0] ? ` (from ${refs[0]})` : ''}` };
  };
  if (unknownBlock === true) return known.expressions.has(name) ? after('uri') : { value: undefined };
  const marks = recordOr(unknownBlock);
  if (marks.uri === true) return after('uri');
  if (marks.fallback_result === true && Object.hasOwn(configuredBlock, 'fallback_result'))
    return after('fallback_result');
  const block = first(r.values[name]);
  if (!isRecord(block)) return { value: undefined };
  return {
    value: { uri: block.uri, fallbackResult: block.fallback_result ?? SERVICE_DEFAULTS.fallbackResult },
  };
}

/** Whether an `after_unknown` mark says some part of the value is known only after apply. */
function hasUnknown(mark: unknown): boolean {
  if (mark === true) return true;
  if (Array.isArray(mark)) return mark.some(hasUnknown);
  return isRecord(mark) && Object.values(mark).some(hasUnknown);
}

/** Every `references` entry in a configured expression, nested blocks included, in order. */
function referencesIn(expr: unknown): string[] {
  if (Array.isArray(expr)) return expr.flatMap(referencesIn);
  if (!isRecord(expr)) return [];
  const own = Array.isArray(expr.references) ? expr.references.map(String) : [];
  return [
    ...own,
    ...Object.entries(expr).flatMap(([key, value]) => (key === 'references' ? [] : referencesIn(value))),
  ];
}

function first(value: unknown): unknown {
  return Array.isArray(value) ? value[0] : value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function recordOr(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}
