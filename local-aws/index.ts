/** Public entry point of the local AWS emulator (see local-aws/README.md). */
export type { AccountInfo, AccountSeed, AccountStatus } from './accounts.js';
export type { SeedStack } from './cloudformation.js';
export type { AdvancedEventSelector, EventSelector, SeedTrail } from './cloudtrail.js';
export type { AlarmState, SeedAlarm, SeedMetric } from './cloudwatch.js';
export type { DeploymentSeed, SeedSubscription } from './deployment.js';
export type { PutEvent } from './eventbridge.js';
export type { SeedEventBus, SeedRule } from './eventbridge-rules.js';
export type { FaultOptions, FaultService } from './faults.js';
export { ACCOUNT_ID } from './http.js';
export type { SeedRoom } from './ivschat.js';
export {
  type CloudTrailDetail,
  type CloudTrailUserIdentity,
  IVSCHAT_WRITE_OPERATIONS,
  type IvschatChangeEvent,
  type IvschatWriteOperation,
} from './ivschat-events.js';
export {
  type DestinationConfiguration,
  LOGGING_CONFIGURATION_STATES,
  type LoggingConfigurationDocument,
  type LoggingConfigurationState,
  type SeedLoggingConfiguration,
} from './ivschat-logging.js';
export { ORGANIZATION_ID } from './organizations.js';
export { IVSCHAT_QUOTA_GROUPS, IVSCHAT_RATE_LIMITS, type QuotaConfig, type QuotaOptions } from './quota.js';
export type { ImportedFinding } from './securityhub.js';
export { loadSeed, loadSeedFile, type SeedData } from './seed.js';
export { type LocalAws, type LocalAwsOptions, startLocalAws } from './server.js';
export type { ExecutionStatus, SeedExecution } from './sfn-executions.js';
export type { MessageAttribute, PublishedMessage, Subscription, Topic } from './sns.js';
export type { SeedQueue } from './sqs.js';
export { type DeployedStack, deployStack } from './stack-rooms.js';
export type { OperationStats, StatsSnapshot } from './stats.js';
