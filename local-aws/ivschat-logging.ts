/**
 * IVS Chat logging configurations (REST-JSON): Create/Get/List/Update/DeleteLoggingConfiguration,
 * per account × region, with the states and the destination union of the service model.
 * Seeds may put a configuration in any state (e.g. CREATE_FAILED), which the API itself never does.
 */
import { ACCOUNT_ID, DEFAULT_REGION } from './http.js';
import {
  Checker,
  checkIdentifier,
  checkTags,
  conflict,
  type Input,
  LOGGING_ARN,
  notFound,
  otherValidationError,
} from './ivschat-shapes.js';

export const LOGGING_CONFIGURATION_STATES = [
  'CREATING',
  'CREATE_FAILED',
  'DELETING',
  'DELETE_FAILED',
  'UPDATING',
  'UPDATE_FAILED',
  'ACTIVE',
] as const;
export type LoggingConfigurationState = (typeof LOGGING_CONFIGURATION_STATES)[number];

/** A union: exactly one member is set. */
export interface DestinationConfiguration {
  s3?: { bucketName: string };
  cloudWatchLogs?: { logGroupName: string };
  firehose?: { deliveryStreamName: string };
}

/** GetLoggingConfiguration's answer (and a ListLoggingConfigurations summary). */
export interface LoggingConfigurationDocument {
  arn: string;
  id: string;
  name: string;
  createTime: string;
  updateTime: string;
  destinationConfiguration: DestinationConfiguration;
  state: LoggingConfigurationState;
  tags: Record<string, string>;
}

/**
 * A configuration to seed: everything optional but the destination; `state` defaults to ACTIVE,
 * `region` to the seeding default (else us-east-1), `accountId` to 000000000000; an `arn` wins.
 */
export interface SeedLoggingConfiguration extends Partial<Omit<LoggingConfigurationDocument, 'state'>> {
  region?: string;
  accountId?: string;
  state?: string;
  destinationConfiguration?: DestinationConfiguration;
}

interface LoggingConfiguration extends LoggingConfigurationDocument {
  accountId: string;
  region: string;
}

interface Place {
  accountId: string;
  region: string;
}

const NAME = /^[a-zA-Z0-9-_]*$/;
const ID = /^[a-zA-Z0-9]{12}$/;
/** Each destination member: its one required field and that field's shape in the model. */
const DESTINATIONS = {
  s3: { field: 'bucketName', min: 3, max: 63, pattern: /^[a-z0-9-.]+$/ },
  cloudWatchLogs: { field: 'logGroupName', min: 1, max: 512, pattern: /^[.\-_/#A-Za-z0-9]+$/ },
  firehose: { field: 'deliveryStreamName', min: 1, max: 64, pattern: /^[a-zA-Z0-9_.-]+$/ },
} as const;
type DestinationType = keyof typeof DESTINATIONS;
/** States an operation must wait out: Update/Delete answer ConflictException meanwhile. */
const IN_PROGRESS: readonly string[] = ['CREATING', 'UPDATING', 'DELETING'];

export function loggingConfigurationArn(region: string, id: string, accountId = ACCOUNT_ID): string {
  return `arn:aws:ivschat:${region}:${accountId}:logging-configuration/${id}`;
}

/** The destination union: exactly one of s3 / cloudWatchLogs / firehose, each with its required field. */
function checkDestination(c: Checker, value: unknown): void {
  const name = 'destinationConfiguration';
  if (!c.structure(name, value)) return;
  const set = Object.keys(value).filter((k) => value[k] !== undefined && value[k] !== null);
  const unknown = set.filter((k) => !(k in DESTINATIONS));
  if (unknown.length > 0) {
    c.fail(name, value, `Member must have exactly one of [s3, cloudWatchLogs, firehose]; unknown ${unknown}`);
    return;
  }
  if (set.length !== 1) {
    c.fail(name, value, 'Member must have exactly one of [s3, cloudWatchLogs, firehose] set');
    return;
  }
  const type = set[0] as DestinationType;
  const member = value[type];
  const spec = DESTINATIONS[type];
  if (!c.structure(`${name}.${type}`, member)) return;
  const fieldName = `${name}.${type}.${spec.field}`;
  if (c.required(fieldName, member[spec.field])) {
    c.string(fieldName, member[spec.field], spec);
  }
}

/** Only the one member that is set, with only its one field (nothing else reaches the store). */
function cleanDestination(value: Input): DestinationConfiguration {
  for (const type of Object.keys(DESTINATIONS) as DestinationType[]) {
    const member = value[type] as Record<string, string> | undefined | null;
    if (member) {
      const field = DESTINATIONS[type].field;
      return { [type]: { [field]: member[field] } } as DestinationConfiguration;
    }
  }
  throw new Error('destination was validated to have one member');
}

function toDocument(config: LoggingConfiguration): LoggingConfigurationDocument {
  return {
    arn: config.arn,
    id: config.id,
    name: config.name,
    createTime: config.createTime,
    updateTime: config.updateTime,
    destinationConfiguration: structuredClone(config.destinationConfiguration),
    state: config.state,
    tags: { ...config.tags },
  };
}

function encodeToken(id: string): string {
  return Buffer.from(JSON.stringify({ l: id })).toString('base64url');
}

function decodeToken(token: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { l?: unknown };
    if (typeof parsed.l === 'string') return parsed.l;
  } catch {
    // fall through
  }
  throw otherValidationError('The nextToken is invalid.');
}

export class LoggingConfigurations {
  private places = new Map<string, Map<string, LoggingConfiguration>>();

  constructor(
    private readonly now: () => string,
    private readonly newId: () => string,
  ) {}

  private store({ accountId, region }: Place): Map<string, LoggingConfiguration> {
    const key = `${accountId}\u0000${region}`;
    let configs = this.places.get(key);
    if (!configs) {
      configs = new Map();
      this.places.set(key, configs);
    }
    return configs;
  }

  /**
   * Adds (or replaces, by id) configurations directly, in any state. Unlike room seeds these are
   * checked, since a configuration with two destinations or an unknown state would mislead a test.
   */
  seed(defaultRegion: string | undefined, seeds: SeedLoggingConfiguration[]): LoggingConfigurationDocument[] {
    const built = seeds.map((seed, i) => {
      const where = `logging configuration seed #${i}${seed.name ? ` (${seed.name})` : ''}`;
      const fromArn = seed.arn ? LOGGING_ARN.exec(seed.arn) : null;
      if (seed.arn && !fromArn) throw new Error(`${where}: invalid arn ${seed.arn}`);
      if (seed.accountId !== undefined && !/^\d{12}$/.test(seed.accountId)) {
        throw new Error(`${where}: accountId must be 12 digits, got ${seed.accountId}`);
      }
      const state = seed.state ?? 'ACTIVE';
      if (!(LOGGING_CONFIGURATION_STATES as readonly string[]).includes(state)) {
        throw new Error(
          `${where}: state must be one of ${LOGGING_CONFIGURATION_STATES.join(', ')}, got ${state}`,
        );
      }
      const c = new Checker();
      checkDestination(c, seed.destinationConfiguration);
      if (seed.id !== undefined && !ID.test(seed.id)) c.fail('id', seed.id, `Member must match ${ID.source}`);
      c.string('name', seed.name ?? '', { max: 128, pattern: NAME });
      checkTags(c, seed.tags ?? {});
      if (c.errors.length > 0) throw new Error(`${where}: ${c.errors.map((e) => e.message).join('; ')}`);
      const region = fromArn?.[1] ?? seed.region ?? defaultRegion ?? DEFAULT_REGION;
      const accountId = fromArn?.[2] ?? seed.accountId ?? ACCOUNT_ID;
      const id = fromArn?.[3] ?? seed.id ?? this.newId();
      const createTime = seed.createTime ? new Date(seed.createTime).toISOString() : this.now();
      const config: LoggingConfiguration = {
        accountId,
        region,
        arn: loggingConfigurationArn(region, id, accountId),
        id,
        name: seed.name ?? '',
        createTime,
        updateTime: seed.updateTime ? new Date(seed.updateTime).toISOString() : createTime,
        destinationConfiguration: cleanDestination(seed.destinationConfiguration as Input),
        state: state as LoggingConfigurationState,
        tags: { ...(seed.tags ?? {}) },
      };
      return config;
    });
    for (const config of built) this.store(config).set(config.id, config);
    return built.map(toDocument);
  }

  /** Every configuration (optionally of one region and/or account), sorted by ARN. */
  list(region?: string, accountId?: string): (LoggingConfigurationDocument & Place)[] {
    return [...this.places.values()]
      .flatMap((m) => [...m.values()])
      .filter(
        (c) =>
          (region === undefined || c.region === region) &&
          (accountId === undefined || c.accountId === accountId),
      )
      .sort((a, b) => (a.arn < b.arn ? -1 : a.arn > b.arn ? 1 : 0))
      .map((c) => ({ ...toDocument(c), region: c.region, accountId: c.accountId }));
  }

  remove(arn: string): boolean {
    const m = LOGGING_ARN.exec(arn);
    if (!m?.[1] || !m[2] || !m[3]) return false;
    return this.store({ region: m[1], accountId: m[2] }).delete(m[3]);
  }

  /** Deletes every configuration, or those of one region and/or account. */
  clear(region?: string, accountId?: string): void {
    for (const config of this.list(region, accountId)) this.remove(config.arn);
  }

  /** The configuration an ARN names in the caller's account and region; ResourceNotFoundException otherwise. */
  find(place: Place, identifier: string): LoggingConfiguration {
    const m = LOGGING_ARN.exec(identifier);
    const config =
      m?.[1] === place.region && m[2] === place.accountId && m[3] ? this.store(place).get(m[3]) : undefined;
    if (!config) throw notFound(identifier);
    return config;
  }

  create(place: Place, input: Input): LoggingConfigurationDocument {
    const c = new Checker();
    if (input.name !== undefined) c.string('name', input.name, { max: 128, pattern: NAME });
    if (c.required('destinationConfiguration', input.destinationConfiguration)) {
      checkDestination(c, input.destinationConfiguration);
    }
    if (input.tags !== undefined) checkTags(c, input.tags);
    c.throwIfAny();
    const id = this.newId();
    const now = this.now();
    const config: LoggingConfiguration = {
      ...place,
      arn: loggingConfigurationArn(place.region, id, place.accountId),
      id,
      name: (input.name as string | undefined) ?? '',
      createTime: now,
      updateTime: now,
      destinationConfiguration: cleanDestination(input.destinationConfiguration as Input),
      state: 'ACTIVE',
      tags: { ...((input.tags as Record<string, string> | undefined) ?? {}) },
    };
    this.store(place).set(id, config);
    return toDocument(config);
  }

  get(place: Place, input: Input): LoggingConfigurationDocument {
    return toDocument(this.find(place, checkIdentifier('identifier', input.identifier, LOGGING_ARN)));
  }

  update(place: Place, input: Input): LoggingConfigurationDocument {
    const c = new Checker();
    if (c.required('identifier', input.identifier)) {
      c.string('identifier', input.identifier, { min: 1, max: 128, pattern: LOGGING_ARN });
    }
    if (input.name !== undefined) c.string('name', input.name, { max: 128, pattern: NAME });
    if (input.destinationConfiguration !== undefined) checkDestination(c, input.destinationConfiguration);
    c.throwIfAny();
    const config = this.find(place, input.identifier as string);
    this.refuseInProgress(config);
    if (input.name !== undefined) config.name = input.name as string;
    if (input.destinationConfiguration !== undefined) {
      config.destinationConfiguration = cleanDestination(input.destinationConfiguration as Input);
    }
    // The emulator applies an update at once, so a failed configuration that is updated recovers.
    config.state = 'ACTIVE';
    config.updateTime = this.now();
    return toDocument(config);
  }

  delete(place: Place, input: Input): void {
    const config = this.find(place, checkIdentifier('identifier', input.identifier, LOGGING_ARN));
    this.refuseInProgress(config);
    // Rooms keep naming a deleted configuration (a dangling identifier), as on the real service.
    this.store(place).delete(config.id);
  }

  listPage(
    place: Place,
    input: Input,
  ): { loggingConfigurations: LoggingConfigurationDocument[]; nextToken?: string } {
    const c = new Checker();
    if (input.maxResults !== undefined) c.int('maxResults', input.maxResults, 1, 50);
    if (input.nextToken !== undefined) c.string('nextToken', input.nextToken, { max: 1024 });
    c.throwIfAny();
    const maxResults = (input.maxResults as number | undefined) ?? 50;
    // By id: a cursor after the last id neither skips nor repeats when configurations come and go.
    let configs = [...this.store(place).values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    if (typeof input.nextToken === 'string' && input.nextToken !== '') {
      const after = decodeToken(input.nextToken);
      configs = configs.filter((config) => config.id > after);
    }
    const page = configs.slice(0, maxResults);
    const result: { loggingConfigurations: LoggingConfigurationDocument[]; nextToken?: string } = {
      loggingConfigurations: page.map(toDocument),
    };
    const last = page[page.length - 1];
    if (configs.length > maxResults && last) result.nextToken = encodeToken(last.id);
    return result;
  }

  private refuseInProgress(config: LoggingConfiguration): void {
    if (IN_PROGRESS.includes(config.state)) {
      throw conflict(
        config.arn,
        `Logging configuration ${config.arn} is ${config.state}; try again when it is done`,
      );
    }
  }
}
