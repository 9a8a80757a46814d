/**
 * doctor's calls: every SDK client it makes is built here and counts each call against one budget,
 * so a run makes a bounded number of calls (and a test can read which IAM actions it used: the
 * README's policy for doctor is checked against them).
 */
import {
  type AwsConnection,
  cloudFormationClient,
  cloudTrailClient,
  cloudWatchClient,
  dynamodbClient,
  eventBridgeClient,
  ivschatClient,
  organizationsClient,
  securityHubClient,
  sfnClient,
  snsClient,
  sqsClient,
  stsClient,
} from '../../aws/clients.js';
import { AuditorError } from '../../core/errors.js';

/** The IAM service prefix of each client doctor uses. */
const FACTORIES = {
  cloudformation: cloudFormationClient,
  cloudtrail: cloudTrailClient,
  cloudwatch: cloudWatchClient,
  dynamodb: dynamodbClient,
  events: eventBridgeClient,
  ivschat: ivschatClient,
  organizations: organizationsClient,
  securityhub: securityHubClient,
  states: sfnClient,
  sns: snsClient,
  sqs: sqsClient,
  sts: stsClient,
} as const;
export type DoctorService = keyof typeof FACTORIES;
type ClientOf<S extends DoctorService> = ReturnType<(typeof FACTORIES)[S]>;

/** The run used up its calls: the checks not yet made report that they could not be. */
export class CallBudgetExhausted extends AuditorError {
  override readonly name = 'CallBudgetExhausted';
}

/** At most `max` calls (attempts, SDK retries included) in one run; each is recorded as the IAM action it needs. */
export class CallBudget {
  private made = 0;
  readonly actions: string[] = [];
  constructor(private limit: number) {}

  get max(): number {
    return this.limit;
  }

  /** Raises the limit by `calls`: the stack's outputs, once read, say how large the run is. */
  extend(calls: number): void {
    this.limit += calls;
  }

  take(action: string): void {
    if (this.made >= this.max)
      throw new CallBudgetExhausted(`the run's budget of ${this.max} calls is used up (before ${action})`);
    this.made += 1;
    this.actions.push(action);
  }

  get used(): number {
    return this.made;
  }
}

type Middleware = (
  next: (args: unknown) => Promise<unknown>,
  context: { commandName?: string },
) => (args: unknown) => Promise<unknown>;

/** Builds clients that spend `budget`: one per service × region × connection, destroyed by `destroyAll`. */
export class DoctorClients {
  private readonly made = new Map<string, { destroy(): void }>();
  constructor(
    private readonly budget: CallBudget,
    readonly baseConnection: AwsConnection,
    /** Where the state table is reached when not at `baseConnection`'s endpoint ($AWS_ENDPOINT_URL_DYNAMODB). */
    private readonly stateEndpoint?: string,
  ) {}

  /** The client of `service` in `region`; `connection` for a member session, `key` names it apart. */
  get<S extends DoctorService>(
    service: S,
    region: string,
    member?: { key: string; connection: AwsConnection },
  ): ClientOf<S> {
    const id = `${service}/${region}/${member?.key ?? ''}`;
    const existing = this.made.get(id);
    if (existing) return existing as ClientOf<S>;
    let connection = member?.connection ?? this.baseConnection;
    if (service === 'dynamodb' && this.stateEndpoint)
      connection = { ...connection, endpoint: this.stateEndpoint };
    const client = FACTORIES[service](region, connection) as ClientOf<S>;
    const middleware: Middleware = (next, context) => async (args) => {
      this.budget.take(`${service}:${(context.commandName ?? 'Unknown').replace(/Command$/, '')}`);
      return next(args);
    };
    // The deserialize step runs inside the SDK's retry loop: every attempt, retries included, is a
    // call spent (and a retry refused by the budget is not retried: the error is not a transient one).
    (client.middlewareStack as unknown as { add(m: Middleware, o: object): void }).add(middleware, {
      step: 'deserialize',
      name: 'ivschatDoctorBudget',
    });
    this.made.set(id, client);
    return client;
  }

  destroyAll(): void {
    for (const client of this.made.values()) client.destroy();
    this.made.clear();
  }
}

/** Runs `fn` over `items` with at most `limit` at a time, results in the items' order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
