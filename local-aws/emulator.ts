/**
 * What one emulator holds: the services and their resources, the accounts, the fault, quota and
 * latency settings, and the call counters (in total and per account). The HTTP server, its AWS
 * routes and its admin endpoints all act on one of these.
 */
import type { RoomDocument } from '../lambda/core/types.js';
import { type AccountSeed, Accounts } from './accounts.js';
import { DeploymentServices } from './deployment-services.js';
import { EventBridgeService } from './eventbridge.js';
import { type FaultOptions, Faults } from './faults.js';
import { IvschatService, type SeedRoom } from './ivschat.js';
import type { LoggingConfigurationDocument, SeedLoggingConfiguration } from './ivschat-logging.js';
import { OrganizationsService } from './organizations.js';
import { QuotaManager, type QuotaOptions, resolveQuotaConfig } from './quota.js';
import { SecurityHubService } from './securityhub.js';
import { SnsService } from './sns.js';
import { Stats, type StatsSnapshot } from './stats.js';
import { StsService } from './sts.js';

export interface EmulatorOptions {
  accounts?: (string | AccountSeed)[];
  quotas?: QuotaOptions;
  latencyMs?: number;
  faults?: FaultOptions;
}

export class Emulator {
  readonly faults: Faults;
  readonly quotas: QuotaManager;
  readonly accounts: Accounts;
  readonly ivschat: IvschatService;
  readonly sns = new SnsService();
  readonly sts: StsService;
  readonly organizations: OrganizationsService;
  readonly securityHub = new SecurityHubService();
  readonly eventBridge = new EventBridgeService();
  /** A deployed auditor's parts: stacks, trails, queues, alarms, metrics, executions, rules. */
  readonly deployment = new DeploymentServices();
  /** Added before every AWS request is processed. */
  latencyMs: number;
  private readonly totals = new Stats();
  private readonly accountStats = new Map<string, Stats>();

  constructor(options: EmulatorOptions) {
    this.faults = new Faults(options.faults ?? {});
    this.quotas = new QuotaManager(resolveQuotaConfig(options.quotas));
    this.accounts = new Accounts(options.accounts ?? []);
    this.ivschat = new IvschatService(this.faults);
    this.sts = new StsService(this.accounts, this.faults);
    this.organizations = new OrganizationsService(this.accounts);
    this.latencyMs = options.latencyMs ?? 0;
  }

  seedRooms(region: string | undefined, rooms: SeedRoom[]): RoomDocument[] {
    const docs = this.ivschat.seed(region, rooms);
    this.addAccountsOf(docs.map((d) => d.arn));
    return docs;
  }

  seedLoggingConfigurations(
    region: string | undefined,
    configs: SeedLoggingConfiguration[],
  ): LoggingConfigurationDocument[] {
    const docs = this.ivschat.logging.seed(region, configs);
    this.addAccountsOf(docs.map((d) => d.arn));
    return docs;
  }

  /** The counters one call of `accountId` adds to: the totals and the account's own. */
  countersOf(accountId: string): Stats[] {
    let own = this.accountStats.get(accountId);
    if (!own) {
      own = new Stats();
      this.accountStats.set(accountId, own);
    }
    return [this.totals, own];
  }

  /** Counters by region over all accounts, or of one account. */
  stats(accountId?: string): StatsSnapshot {
    return accountId ? (this.accountStats.get(accountId)?.snapshot() ?? {}) : this.totals.snapshot();
  }

  resetStats(): void {
    this.totals.reset();
    this.accountStats.clear();
  }

  /** Seeded resources' accounts become known accounts (ListAccounts, AssumeRole). */
  private addAccountsOf(arns: string[]): void {
    const ids = new Set(arns.map((arn) => arn.split(':')[4] as string));
    this.accounts.add([...ids].filter((id) => !this.accounts.get(id)));
  }
}
