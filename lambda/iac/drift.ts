/**
 * IaC drift of a deployed room: the live room (GetRoom) against what its CloudFormation stack's
 * template declares, with the service defaults filled where the template leaves a property out (the
 * same translation `ivschat-audit template` makes, cfn-rooms.ts) and the stack's deployed parameter
 * values in place of the template's defaults. CloudFormation's own drift detection compares only the
 * properties a template writes; here a property left at its default drifts too when it is changed.
 * Pure: the stack's facts and the live room in, the `iacDrift` fact the built-in `iac-drift` policy
 * reads out.
 */
import { canonicalJson } from '../core/canonical-json.js';
import { withAwsHandler } from '../core/room-facts.js';
import type { RoomDocument } from '../core/types.js';
import { cloudFormationRooms, ROOM_TYPE } from './cfn-rooms.js';
import { cloudFormationIdentity } from './declared-room.js';

/** The tags CloudFormation puts on every resource it creates: a claim of ownership, checked below. */
export const STACK_NAME_TAG = 'aws:cloudformation:stack-name';
export const LOGICAL_ID_TAG = 'aws:cloudformation:logical-id';
export const STACK_ID_TAG = 'aws:cloudformation:stack-id';

/** The room fields compared, and the template property that declares each. */
export const COMPARED_PROPERTIES: readonly (readonly [field: string, property: string])[] = [
  ['name', 'Name'],
  ['maximumMessageLength', 'MaximumMessageLength'],
  ['maximumMessageRatePerSecond', 'MaximumMessageRatePerSecond'],
  ['messageReviewHandler', 'MessageReviewHandler'],
  ['loggingConfigurationIdentifiers', 'LoggingConfigurationIdentifiers'],
  ['tags', 'Tags'],
];

/** CloudFormation's words for a property difference (DescribeStackResourceDrifts' DifferenceType). */
export type DifferenceType = 'NOT_EQUAL' | 'ADD' | 'REMOVE';

/** Where the expected value comes from. */
export type DeclaredBy = 'template' | 'service default' | 'stack tags' | 'nothing';

/**
 * One property whose live value is not the one the stack declares. `expected` and `actual` are
 * always present (null when absent) so the policy's message can name both.
 */
export interface IacDifference {
  difference: DifferenceType;
  /** The room field (`maximumMessageLength`, `tags/owner`) and the template property behind it. */
  field: string;
  property: string;
  /** null for ADD (the stack declares none). */
  expected: unknown;
  /** null for REMOVE (the live room has none). */
  actual: unknown;
  declaredBy: DeclaredBy;
  stackName: string;
  logicalId: string;
  /** Both ways out, in words. */
  fix: string;
}

type Found = Omit<IacDifference, 'stackName' | 'logicalId' | 'fix'>;

/** The joined fact: present on a room whose stack was read and verified. */
export interface IacDriftFact {
  stackName: string;
  stackId: string;
  logicalId: string;
  /** Keyed by `field` (a tag as `tags/<key>`): one finding each. */
  differences: Record<string, IacDifference>;
}

/** What a room's stack tags claim. */
export interface StackClaim {
  stackName: string;
  logicalId: string;
  stackId: string;
}

/** A stack as DescribeStacks and GetTemplate (Processed) show it. */
export interface DeployedStack {
  stackName: string;
  stackId: string;
  /** LastUpdatedTime, else CreationTime (ISO 8601): the template and parameters change only with it. */
  lastUpdated: string;
  /** Deployed parameter values (ResolvedValue for a Systems Manager parameter); NoEcho ones masked. */
  parameters: Readonly<Record<string, string>>;
  /** Stack-level tags, which CloudFormation propagates to the resources it creates. */
  tags: Readonly<Record<string, string>>;
  accountId: string;
  region: string;
}

/** What a stack declares for each of its rooms, once per stack version: what the cache keeps. */
export interface StackRooms {
  lastUpdated: string;
  /** The stack's status when read (a kept entry is reused only under the same one). */
  stackStatus?: string;
  stackName: string;
  /** Stack-level tags, propagated to every room. */
  tags: Record<string, string>;
  /** Logical id → the declared room: its document and the fields not known, with why. */
  rooms: Record<string, DeclaredStackRoom>;
}

/** One room of a stack as its processed template declares it. */
export interface DeclaredStackRoom {
  document: RoomDocument;
  /** Field → why its value is not known even once deployed. */
  unresolved: Record<string, string>;
  /** The properties the template writes; the rest are the service defaults. */
  properties: string[];
}

/** NoEcho parameters are shown by DescribeStacks as this; their value is not known to the audit. */
export const MASKED_PARAMETER = '****';

/** The tags' claim, or undefined when the room does not carry all three tags. */
export function stackClaimOf(room: RoomDocument): StackClaim | undefined {
  const tags = room.tags;
  if (tags === null || typeof tags !== 'object') return undefined;
  const t = tags as Record<string, unknown>;
  const [stackName, logicalId, stackId] = [t[STACK_NAME_TAG], t[LOGICAL_ID_TAG], t[STACK_ID_TAG]];
  if (typeof stackName !== 'string' || typeof logicalId !== 'string' || typeof stackId !== 'string')
    return undefined;
  return { stackName, logicalId, stackId };
}

/**
 * The rooms a deployed stack's processed template declares, translated as `ivschat-audit template`
 * translates them, but with the deployed parameter values: a parameter is known once deployed, unless
 * it is NoEcho (masked in DescribeStacks).
 */
export function stackRoomsOf(template: unknown, stack: DeployedStack): StackRooms {
  const rooms = cloudFormationRooms(withDeployedParameters(template, stack.parameters), {
    file: `stack ${stack.stackName}`,
    stackName: stack.stackName,
    accountId: stack.accountId,
    region: stack.region,
    lines: new Map(),
  });
  const prefix = cloudFormationIdentity(stack.stackName, '');
  const resources = (template as { Resources: Record<string, { Properties?: unknown }> }).Resources;
  const byId: StackRooms['rooms'] = {};
  for (const room of rooms) {
    const logicalId = room.identity.slice(prefix.length);
    const props = resources[logicalId]?.Properties;
    byId[logicalId] = {
      document: room.document,
      unresolved: Object.fromEntries(room.unresolved),
      properties: props !== null && typeof props === 'object' ? Object.keys(props) : [],
    };
  }
  return { lastUpdated: stack.lastUpdated, stackName: stack.stackName, tags: { ...stack.tags }, rooms: byId };
}

/**
 * The template with each parameter's Default set to its deployed value, so cfn-values.ts resolves a
 * Ref to it as deployed. A NoEcho value (masked) loses its Default: it reads as given at deploy and
 * unknown. A Systems Manager parameter becomes a plain String: DescribeStacks gives its resolved value.
 */
function withDeployedParameters(template: unknown, deployed: Readonly<Record<string, string>>): unknown {
  if (template === null || typeof template !== 'object') return template;
  const sections = template as Record<string, unknown>;
  const declared = sections.Parameters;
  if (declared === null || typeof declared !== 'object') return template;
  const parameters: Record<string, unknown> = {};
  for (const [name, declaration] of Object.entries(declared as Record<string, unknown>)) {
    const decl = { ...((declaration ?? {}) as Record<string, unknown>) };
    const value = deployed[name];
    if (typeof decl.Type === 'string' && decl.Type.startsWith('AWS::SSM::Parameter::Value')) {
      decl.Type = decl.Type.includes('List<') ? 'CommaDelimitedList' : 'String';
    }
    if (value === MASKED_PARAMETER || decl.NoEcho === true || decl.NoEcho === 'true') delete decl.Default;
    else if (value !== undefined) decl.Default = value;
    parameters[name] = decl;
  }
  return { ...sections, Parameters: parameters };
}

/**
 * Why a room claiming `claim` cannot be compared with the stack CloudFormation describes for its
 * stack-id tag, or undefined when the claim holds: the stack's name and id are the tags', and its
 * template declares the logical id as an `AWS::IVSChat::Room`. Tags are a claim, never proof.
 */
export function unverifiedReason(
  claim: StackClaim,
  stack: Pick<DeployedStack, 'stackName' | 'stackId'>,
  rooms: StackRooms,
): string | undefined {
  const where = `its tags name stack ${claim.stackName} and logical id ${claim.logicalId}`;
  if (stack.stackId !== claim.stackId || stack.stackName !== claim.stackName) {
    return `${where}, but stack ${claim.stackId} is named ${stack.stackName}: the tags are not the stack's`;
  }
  if (!Object.hasOwn(rooms.rooms, claim.logicalId)) {
    return `${where}, but the stack's template declares no ${ROOM_TYPE} ${claim.logicalId}: the tags are not the stack's`;
  }
  return undefined;
}

/** The outcome of comparing one room: the fact to join, and the fields that could not be compared. */
export interface DriftComparison {
  fact: IacDriftFact;
  /** Field → why it was not compared (a value the template leaves unknown even once deployed). */
  notCompared: Record<string, string>;
}

/** The live room against what its stack declares for `claim.logicalId` (already verified). */
export function compareWithStack(live: RoomDocument, claim: StackClaim, stack: StackRooms): DriftComparison {
  const declared = stack.rooms[claim.logicalId];
  const fact: IacDriftFact = {
    stackName: claim.stackName,
    stackId: claim.stackId,
    logicalId: claim.logicalId,
    differences: {},
  };
  const notCompared: Record<string, string> = {};
  if (!declared) {
    notCompared.room = `stack ${claim.stackName} declares no room ${claim.logicalId}`;
    return { fact, notCompared };
  }
  const room = withAwsHandler(live);
  const expected = withAwsHandler(declared.document);
  for (const [field, property] of COMPARED_PROPERTIES) {
    const reason = declared.unresolved[field] ?? followedReference(field, expected[field]);
    if (reason) {
      notCompared[field] = reason;
      continue;
    }
    const put = (found: Found) => {
      fact.differences[found.field] = withFix(found, claim, room.arn);
    };
    if (field === 'tags') {
      compareTags(stack.tags, expected.tags, liveTags(room.tags), property, put);
      continue;
    }
    const declaredBy: DeclaredBy = declared.properties.includes(property) ? 'template' : 'service default';
    if (field === 'loggingConfigurationIdentifiers') {
      compareIdSet(field, property, expected[field], room[field], declaredBy, put);
      continue;
    }
    const want = expected[field];
    const have = room[field];
    if (want === undefined && have === undefined) continue;
    const base = { field, property, expected: want ?? null, actual: have ?? null };
    if (want === undefined) put({ ...base, difference: 'ADD', declaredBy: 'nothing' });
    else if (have === undefined) put({ ...base, difference: 'REMOVE', declaredBy });
    else if (canonicalJson(want) !== canonicalJson(have))
      put({ ...base, difference: 'NOT_EQUAL', declaredBy });
  }
  return { fact, notCompared };
}

/**
 * A reference to a resource of the same stack (a logging configuration) stands for its identity, not
 * its ARN, which GetTemplate does not show: the list cannot be compared with the live ARNs.
 */
function followedReference(field: string, value: unknown): string | undefined {
  if (field !== 'loggingConfigurationIdentifiers' || !Array.isArray(value)) return undefined;
  const own = value.find((id) => typeof id === 'string' && id.startsWith('cloudformation:'));
  return own === undefined
    ? undefined
    : `LoggingConfigurationIdentifiers refers to the stack's own resource ${String(own).slice(String(own).indexOf('/') + 1)}, whose ARN the template does not hold`;
}

/** The live tags a template can declare: `aws:` keys are AWS's own (CloudFormation's claim among them). */
function liveTags(tags: unknown): Record<string, unknown> {
  const all = tags !== null && typeof tags === 'object' ? (tags as Record<string, unknown>) : {};
  return Object.fromEntries(Object.entries(all).filter(([key]) => !key.startsWith('aws:')));
}

/** Per tag: stack tags propagate to the room, and the room's own Tags win over a stack tag of the same key. */
function compareTags(
  stackTags: Record<string, string>,
  declared: unknown,
  have: Record<string, unknown>,
  property: string,
  put: (found: Found) => void,
): void {
  const own = declared !== null && typeof declared === 'object' ? (declared as Record<string, unknown>) : {};
  const want: Record<string, unknown> = { ...stackTags, ...own };
  const keys = [...new Set([...Object.keys(want), ...Object.keys(have)])].sort();
  for (const key of keys) {
    const declaredBy: DeclaredBy = Object.hasOwn(own, key) ? 'template' : 'stack tags';
    const base = {
      field: `tags/${key}`,
      property: `${property}[${key}]`,
      expected: Object.hasOwn(want, key) ? want[key] : null,
      actual: Object.hasOwn(have, key) ? have[key] : null,
    };
    if (!Object.hasOwn(want, key)) put({ ...base, difference: 'ADD', declaredBy: 'nothing' });
    else if (!Object.hasOwn(have, key)) put({ ...base, difference: 'REMOVE', declaredBy });
    else if (want[key] !== have[key]) put({ ...base, difference: 'NOT_EQUAL', declaredBy });
  }
}

/**
 * A list of identifiers compared as a set, as CloudFormation's drift detection reports a list: one
 * ADD per identifier only live, one REMOVE per identifier only declared (`<field>/<id>`), and no
 * difference for the same identifiers in another order (the service does not promise the order).
 */
function compareIdSet(
  field: string,
  property: string,
  declared: unknown,
  live: unknown,
  declaredBy: DeclaredBy,
  put: (found: Found) => void,
): void {
  const want = new Set(Array.isArray(declared) ? declared.map(String) : []);
  const have = new Set(Array.isArray(live) ? live.map(String) : []);
  for (const id of [...have].filter((x) => !want.has(x)).sort()) {
    put({
      field: `${field}/${id}`,
      property,
      expected: null,
      actual: id,
      difference: 'ADD',
      declaredBy: 'nothing',
    });
  }
  for (const id of [...want].filter((x) => !have.has(x)).sort()) {
    put({ field: `${field}/${id}`, property, expected: id, actual: null, difference: 'REMOVE', declaredBy });
  }
}

/** The difference with its stack and both ways out. */
function withFix(found: Found, claim: StackClaim, roomArn: unknown): IacDifference {
  const fix =
    `to put the stack's value back, set it on room ${String(roomArn)} (aws ivschat update-room): ` +
    'redeploying the unchanged stack does not, CloudFormation updates only resources whose template changed; ' +
    `to keep the live value, change the template (${found.property} of ${claim.logicalId}) and redeploy the stack`;
  return { ...found, stackName: claim.stackName, logicalId: claim.logicalId, fix };
}
