/**
 * Amazon EventBridge's read calls about rules and buses (JSON 1.1, `AWSEvents.<Operation>`):
 * DescribeRule, DescribeEventBus and ListRuleNamesByTarget, over rules and buses seeded per account
 * and region. Every account and region has its `default` bus, as in AWS. `PutEvents` is `eventbridge.ts`.
 */
import { ACCOUNT_ID, type LocalResponse } from './http.js';
import { type JsonVersion, jsonAnswer, jsonBody, jsonError, text } from './json-protocol.js';

export const EVENT_RULE_OPERATIONS = ['DescribeRule', 'DescribeEventBus', 'ListRuleNamesByTarget'] as const;
const V: JsonVersion = '1.1';
const RULE_NAME = /^[.\-_A-Za-z0-9]{1,64}$/;
const BUS = /^(arn:aws[\w-]*:events:[a-z]+-[a-z]+-[\w-]+:[0-9]{12}:event-bus\/)?[/.\-_A-Za-z0-9]{1,256}$/;

export interface SeedRule {
  name: string;
  region: string;
  /** Default 000000000000. */
  accountId?: string;
  /** Default `default`. */
  eventBusName?: string;
  /** Default ENABLED. */
  state?: 'ENABLED' | 'DISABLED';
  eventPattern?: string;
  scheduleExpression?: string;
  /** The ARNs the rule sends to. */
  targets?: string[];
}

export interface SeedEventBus {
  name: string;
  region: string;
  /** Default 000000000000. */
  accountId?: string;
}

type RuleRecord = Required<Omit<SeedRule, 'eventPattern' | 'scheduleExpression'>> &
  Pick<SeedRule, 'eventPattern' | 'scheduleExpression'>;

const notFound = (message: string) => jsonError(V, 400, 'ResourceNotFoundException', message);
const validation = (member: string, value: string) =>
  jsonError(
    V,
    400,
    'ValidationException',
    `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint`,
  );

export class EventRulesService {
  private rules: RuleRecord[] = [];
  private buses = new Set<string>();

  seedRules(rules: SeedRule[]): void {
    for (const r of rules) {
      if (!RULE_NAME.test(r.name)) throw new Error(`rule name "${r.name}" is not valid`);
      const record: RuleRecord = {
        name: r.name,
        region: r.region,
        accountId: r.accountId ?? ACCOUNT_ID,
        eventBusName: r.eventBusName ?? 'default',
        state: r.state ?? 'ENABLED',
        targets: [...(r.targets ?? [])],
      };
      if (r.eventPattern !== undefined) record.eventPattern = r.eventPattern;
      if (r.scheduleExpression !== undefined) record.scheduleExpression = r.scheduleExpression;
      this.rules = this.rules.filter((x) => !sameRule(x, record));
      this.rules.push(record);
    }
  }

  seedBuses(buses: SeedEventBus[]): void {
    for (const b of buses) this.buses.add(`${b.accountId ?? ACCOUNT_ID}/${b.region}/${b.name}`);
  }

  /** Deletes a rule behind the API's back; false when there was none. */
  removeRule(accountId: string, region: string, name: string, eventBusName = 'default'): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter(
      (r) =>
        !(
          r.accountId === accountId &&
          r.region === region &&
          r.name === name &&
          r.eventBusName === eventBusName
        ),
    );
    return this.rules.length < before;
  }

  clear(): void {
    this.rules = [];
    this.buses.clear();
  }

  handle(operation: string, accountId: string, region: string, body: string): LocalResponse {
    const input = jsonBody(body);
    if (!input) return jsonError(V, 400, 'SerializationException', 'Request body is not a JSON object');
    const busGiven =
      text(input, 'EventBusName') ?? (operation === 'DescribeEventBus' ? text(input, 'Name') : undefined);
    if (busGiven !== undefined && !BUS.test(busGiven))
      return validation(operation === 'DescribeEventBus' ? 'name' : 'eventBusName', busGiven);
    const bus = busName(busGiven ?? 'default', accountId, region);
    if (bus === undefined) return notFound(`Event bus ${busGiven} does not exist.`);
    if (operation === 'DescribeEventBus') {
      if (!this.busExists(accountId, region, bus)) return notFound(`Event bus ${bus} does not exist.`);
      return jsonAnswer(V, { Name: bus, Arn: busArn(accountId, region, bus) });
    }
    if (operation === 'DescribeRule') {
      const name = text(input, 'Name');
      if (!name || !RULE_NAME.test(name)) return validation('name', name ?? '');
      const rule = this.rules.find((r) => sameRule(r, { name, accountId, region, eventBusName: bus }));
      if (!rule) return notFound(`Rule ${name} does not exist on EventBus ${bus}.`);
      return jsonAnswer(V, {
        Name: rule.name,
        Arn: `arn:aws:events:${region}:${accountId}:rule/${bus === 'default' ? '' : `${bus}/`}${rule.name}`,
        State: rule.state,
        EventBusName: bus,
        CreatedBy: accountId,
        ...(rule.eventPattern !== undefined ? { EventPattern: rule.eventPattern } : {}),
        ...(rule.scheduleExpression !== undefined ? { ScheduleExpression: rule.scheduleExpression } : {}),
      });
    }
    // ListRuleNamesByTarget
    const target = text(input, 'TargetArn');
    if (!target || target.length > 1600) return validation('targetArn', target ?? '');
    if (!this.busExists(accountId, region, bus)) return notFound(`Event bus ${bus} does not exist.`);
    const names = this.rules
      .filter(
        (r) =>
          r.accountId === accountId &&
          r.region === region &&
          r.eventBusName === bus &&
          r.targets.includes(target),
      )
      .map((r) => r.name)
      .sort();
    return jsonAnswer(V, { RuleNames: names });
  }

  private busExists(accountId: string, region: string, name: string): boolean {
    return name === 'default' || this.buses.has(`${accountId}/${region}/${name}`);
  }
}

function sameRule(
  a: Pick<RuleRecord, 'name' | 'accountId' | 'region' | 'eventBusName'>,
  b: typeof a,
): boolean {
  return (
    a.name === b.name &&
    a.accountId === b.accountId &&
    a.region === b.region &&
    a.eventBusName === b.eventBusName
  );
}

/** A bus given by name or ARN → its name, or undefined when the ARN is another account's or region's. */
function busName(given: string, accountId: string, region: string): string | undefined {
  if (!given.startsWith('arn:')) return given;
  const [, , , arnRegion, arnAccount, resource] = given.split(':');
  if (arnRegion !== region || arnAccount !== accountId) return undefined;
  return resource?.slice('event-bus/'.length);
}

const busArn = (accountId: string, region: string, name: string) =>
  `arn:aws:events:${region}:${accountId}:event-bus/${name}`;
