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
}
