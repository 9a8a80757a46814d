/** The services that hold an emulated deployment's parts (see `deployment.ts`), one set per emulator. */
import { CloudFormationService } from './cloudformation.js';
import { CloudTrailService } from './cloudtrail.js';
import { CloudWatchService } from './cloudwatch.js';
import { EventRulesService } from './eventbridge-rules.js';
import { StepFunctionsExecutions } from './sfn-executions.js';
import { SqsService } from './sqs.js';

export class DeploymentServices {
  readonly cloudFormation = new CloudFormationService();
  readonly cloudTrail = new CloudTrailService();
  readonly sqs = new SqsService();
  readonly cloudWatch = new CloudWatchService();
  readonly stepFunctions = new StepFunctionsExecutions();
  readonly eventRules = new EventRulesService();
  /**
   * Role name → the deployment reads its identity policy grants. A session of a role named here is
   * refused every other deployment read, as AWS refuses what the role's policy does not allow; roles
   * not named are unrestricted (the emulator keeps no IAM policies otherwise).
   */
  readonly roleActions = new Map<string, ReadonlySet<string>>();
}
