/**
 * The local AWS emulator: one HTTP server speaking IVS Chat and Security Hub (REST-JSON), SNS and STS
 * (awsQuery), Organizations and EventBridge (JSON 1.1). This file holds its options, its in-process
 * API and the server itself; `aws-routes.ts` routes AWS requests to the services, `admin.ts` answers
 * the admin endpoints under /_local/ (see local-aws/README.md), and `emulator.ts` holds the state.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { RoomDocument } from '../lambda/core/types.js';
import type { AccountInfo, AccountSeed } from './accounts.js';
import { handleAdmin } from './admin.js';
import { handleAws } from './aws-routes.js';
import type { SeedStack } from './cloudformation.js';
import { type DeploymentSeed, handleDeploymentAdmin, seedDeployment } from './deployment.js';
import { Emulator } from './emulator.js';
import type { PutEvent } from './eventbridge.js';
import type { FaultOptions } from './faults.js';
import { json, send } from './http.js';
import type { SeedRoom } from './ivschat.js';
import type { IvschatChangeEvent } from './ivschat-events.js';
import type { LoggingConfigurationDocument, SeedLoggingConfiguration } from './ivschat-logging.js';
import { listen } from './listen.js';
import type { QuotaConfig, QuotaOptions } from './quota.js';
import type { ImportedFinding } from './securityhub.js';
import { loadSeed, type SeedData, seedData } from './seed.js';
import type { PublishedMessage, Subscription, Topic } from './sns.js';
import { type DeployedStack, deployStack } from './stack-rooms.js';
import type { StatsSnapshot } from './stats.js';

export interface LocalAwsOptions {
  /** 0 (default) = any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /**
   * Rooms (and logging configurations) to start with, or the path of a JSON file holding them
   * (an array of rooms, or `{ "rooms": [...], "loggingConfigurations": [...] }`).
   */
  seed?: SeedRoom[] | SeedData | string;
  /**
   * Accounts besides the default 000000000000 (which is always there, as the management account).
   * The accounts of seeded rooms are added too.
   */
  accounts?: (string | AccountSeed)[];
  quotas?: QuotaOptions;
  /** Added before every AWS request is processed. Default 0. */
  latencyMs?: number;
  faults?: FaultOptions;
  /** Called with one line per AWS request (CLI --verbose). */
  log?: (line: string) => void;
  /**
   * Called, before the answer is sent, with the CloudTrail event (as EventBridge delivers it) of
   * every IVS Chat write call: CreateRoom, UpdateRoom, DeleteRoom, TagResource, UntagResource and the
   * logging-configuration writes; a failed call's event carries `errorCode` and `errorMessage`.
   * An exception it throws is logged and does not affect the call.
   */
  onChangeEvent?: (event: IvschatChangeEvent) => void;
}

export interface LocalAws {
  /** e.g. http://127.0.0.1:45678 — pass as `endpoint` to the SDK clients. */
  endpoint: string;
  port: number;
  close(): Promise<void>;
  /**
   * Adds rooms directly (no HTTP, no quotas, no validation). `region` applies to rooms without their
   * own; a room's `accountId` (default 000000000000) becomes a known account.
   */
  seedRooms(region: string | undefined, rooms: SeedRoom[]): RoomDocument[];
  /** Current rooms (of one region and/or account, or all), GetRoom shape plus where they live, newest first. */
  rooms(region?: string, accountId?: string): (RoomDocument & { region: string; accountId: string })[];
  /** The accounts Organizations ListAccounts lists (and AssumeRole may enter), sorted by id. */
  accounts(): AccountInfo[];
  /** Adds accounts, or changes the name, email or status of known ones. */
  addAccounts(accounts: (string | AccountSeed)[]): AccountInfo[];
  /** Deletes a room behind the API's back. */
  removeRoom(arn: string): boolean;
  /** Deletes every room, or only those of one region and/or account. */
  clearRooms(region?: string, accountId?: string): void;
  /**
   * Adds logging configurations directly, in any state (CREATE_FAILED, DELETING, ...); a seed with
   * the id of an existing one replaces it. No HTTP, no quotas; the seeds themselves are checked.
   */
  seedLoggingConfigurations(
    region: string | undefined,
    configs: SeedLoggingConfiguration[],
  ): LoggingConfigurationDocument[];
  /** Current logging configurations (of one region and/or account, or all), sorted by ARN. */
  loggingConfigurations(
    region?: string,
    accountId?: string,
  ): (LoggingConfigurationDocument & { region: string; accountId: string })[];
  /** Deletes a logging configuration behind the API's back (rooms keep naming it). */
  removeLoggingConfiguration(arn: string): boolean;
  clearLoggingConfigurations(region?: string, accountId?: string): void;
  /** Findings Security Hub imported (optionally of one region and/or account), latest version of each. */
  securityHubFindings(region?: string, accountId?: string): ImportedFinding[];
  clearSecurityHubFindings(): void;
  /** Events EventBridge accepted (optionally of one region and/or account), oldest first. */
  events(region?: string, accountId?: string): PutEvent[];
  clearEvents(): void;
  /** Everything published to SNS (optionally of one region), oldest first. */
  published(region?: string): PublishedMessage[];
  clearPublished(): void;
  topics(region?: string): Topic[];
  subscriptions(region?: string): Subscription[];
  /** Creates an SNS topic directly; returns its ARN. */
  createTopic(region: string, name: string): string;
  /** Counters by region over all accounts, or of one account. */
  stats(accountId?: string): StatsSnapshot;
  resetStats(): void;
  /** Replaces all fault settings ({} = no faults). */
  setFaults(faults: FaultOptions): void;
  faults(): FaultOptions;
  /** Merges into the current quota settings and refills all buckets. */
  setQuotas(quotas: QuotaOptions): void;
  quotas(): QuotaConfig;
  setLatency(ms: number): void;
  /**
   * Seeds a deployed auditor's parts (stacks, trails, queues, alarms, metrics, executions, rules, buses,
   * topic subscriptions); returns the ARNs of the subscriptions made, in order.
   */
  seedDeployment(seed: DeploymentSeed): string[];
  /** The services behind the deployment's read calls, to change or inject faults into (remove a trail, fire an alarm). */
  deployment(): Emulator['deployment'];
  /**
   * Deploys a CloudFormation stack: seeds it (template, parameters, tags) and creates its
   * `AWS::IVSChat::Room`s with CloudFormation's aws:cloudformation tags (stack-rooms.ts).
   */
  deployStack(seed: SeedStack): DeployedStack;
  /** Confirms an SNS subscription as its owner would (or, `confirmed` false, makes it pending again); false when there is none. */
  confirmSubscription(subscriptionArn: string, confirmed?: boolean): boolean;
}

export async function startLocalAws(options: LocalAwsOptions = {}): Promise<LocalAws> {
  const emulator = new Emulator(options);
  if (options.seed !== undefined) {
    const data =
      typeof options.seed === 'string' ? await loadSeed(options.seed) : seedData(options.seed, 'seed');
    emulator.seedLoggingConfigurations(undefined, data.loggingConfigurations);
    emulator.seedRooms(undefined, data.rooms);
  }
  const log = options.log;

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://local-aws');
      const response =
        url.pathname === '/_local/deployment'
          ? await handleDeploymentAdmin(emulator, req)
          : url.pathname.startsWith('/_local/')
            ? await handleAdmin(emulator, req, url)
            : await handleAws(emulator, options, req, url);
      send(res, response);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      log?.(`internal error: ${message}`);
      if (!res.headersSent) send(res, json(500, { message: `local-aws internal error: ${message}` }));
      else res.destroy();
    }
  }

  const server = createServer((req, res) => {
    void onRequest(req, res);
  });
  const host = options.host ?? '127.0.0.1';
  const port = await listen(server, options.port ?? 0, host);
  const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    endpoint: `http://${shownHost}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
    ...inProcessApi(emulator),
  };
}

/** The emulator's in-process API: what the admin endpoints offer, without HTTP. */
function inProcessApi(emulator: Emulator): Omit<LocalAws, 'endpoint' | 'port' | 'close'> {
  const { ivschat, accounts, securityHub, eventBridge, sns, faults, quotas } = emulator;
  return {
    seedRooms: (region, rooms) => emulator.seedRooms(region, rooms),
    rooms: (region, accountId) => ivschat.rooms(region, accountId),
    accounts: () => accounts.list(),
    addAccounts: (seeds) => accounts.add(seeds),
    removeRoom: (arn) => ivschat.removeRoom(arn),
    clearRooms: (region, accountId) => ivschat.clear(region, accountId),
    seedLoggingConfigurations: (region, configs) => emulator.seedLoggingConfigurations(region, configs),
    loggingConfigurations: (region, accountId) => ivschat.logging.list(region, accountId),
    removeLoggingConfiguration: (arn) => ivschat.logging.remove(arn),
    clearLoggingConfigurations: (region, accountId) => ivschat.logging.clear(region, accountId),
    securityHubFindings: (region, accountId) => securityHub.list(region, accountId),
    clearSecurityHubFindings: () => securityHub.clear(),
    events: (region, accountId) => eventBridge.list(region, accountId),
    clearEvents: () => eventBridge.clear(),
    published: (region) => sns.published(region),
    clearPublished: () => sns.clearPublished(),
    topics: (region) => sns.listTopics(region),
    subscriptions: (region) => sns.subscriptions(region),
    createTopic: (region, name) => sns.createTopicDirect(region, name),
    stats: (accountId) => emulator.stats(accountId),
    resetStats: () => emulator.resetStats(),
    setFaults: (f) => faults.set(f),
    faults: () => faults.current,
    setQuotas: (q) => quotas.configure(q),
    quotas: () => quotas.current,
    setLatency: (ms) => {
      emulator.latencyMs = ms;
    },
    seedDeployment: (seed) => seedDeployment(emulator, seed),
    deployment: () => emulator.deployment,
    deployStack: (seed) => deployStack(emulator, seed),
    confirmSubscription: (arn, confirmed) => sns.confirmSubscription(arn, confirmed),
  };
}
