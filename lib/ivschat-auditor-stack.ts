import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { AuditorConfig } from './config.js';
import { IvsChatAuditor, type IvsChatAuditorProps } from './ivschat-auditor.js';

export interface IvsChatAuditorStackProps extends StackProps {
  readonly config: AuditorConfig;
  /** Everything else the construct takes (policies folder, removal policy, ...). */
  readonly auditor?: Omit<IvsChatAuditorProps, keyof AuditorConfig>;
}

/** The deployable unit: one `IvsChatAuditor` configured from validated context. */
export class IvsChatAuditorStack extends Stack {
  readonly auditor: IvsChatAuditor;

  constructor(scope: Construct, id: string, props: IvsChatAuditorStackProps) {
    super(scope, id, {
      description:
        'ivschat-auditor: scheduled drift audit of Amazon IVS Chat rooms against JSON-Schema policies',
      ...props,
    });
    const { config } = props;
    this.auditor = new IvsChatAuditor(this, 'Auditor', {
      ...props.auditor,
      schedule: config.schedule,
      regions: config.regions,
      alertEmails: config.alertEmails,
      ...(config.slack ? { slack: config.slack } : {}),
      apiBudgetTps: config.apiBudgetTps,
      renotifyAfterHours: config.renotifyAfterHours,
      fullRefreshHours: config.fullRefreshHours,
      retainResolvedDays: config.retainResolvedDays,
    });
  }
}
