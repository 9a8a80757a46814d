/**
 * Amazon CloudWatch's read calls (JSON 1.0, `X-Amz-Target: GraniteServiceVersion20100801.<Operation>`,
 * query-compatible error codes): DescribeAlarms over seeded metric alarms, and GetMetricData over
 * seeded datapoints (MetricStat queries; metric math is not emulated and is refused by name). What
 * AWS publishes itself, e.g. `AWS/SQS ApproximateAgeOfOldestMessage`, is seeded like any metric.
 */
import { ACCOUNT_ID, type LocalResponse } from './http.js';
import {
  epochSeconds,
  type JsonVersion,
  jsonAnswer,
  jsonBody,
  jsonError,
  text,
  textList,
} from './json-protocol.js';

export const CLOUDWATCH_TARGET_PREFIX = 'GraniteServiceVersion20100801.';
const V: JsonVersion = '1.0';
const MAX_ALARM_NAMES = 100;
const MAX_QUERIES = 500;
const QUERY_ID = /^[a-z][a-zA-Z0-9_]{0,254}$/;
const STATES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;
export type AlarmState = (typeof STATES)[number];

export interface SeedAlarm {
  name: string;
  region: string;
  /** Default 000000000000. */
  accountId?: string;
  /** Default OK. */
  state?: AlarmState;
  reason?: string;
  namespace?: string;
  metricName?: string;
}

export interface SeedMetric {
  region: string;
  /** Default 000000000000. */
  accountId?: string;
  namespace: string;
  metricName: string;
  dimensions?: Record<string, string>;
  /** Datapoints: ISO time and value. */
  points: { time: string; value: number }[];
}

interface AlarmRecord extends Required<Omit<SeedAlarm, 'namespace' | 'metricName'>> {
  namespace?: string;
  metricName?: string;
  updated: string;
}

const invalid = (message: string) =>
  jsonError(V, 400, 'InvalidParameterValueException', message, {
    queryError: 'InvalidParameterValue;Sender',
  });

export class CloudWatchService {
  private alarms = new Map<string, AlarmRecord>();
  private metrics: Required<SeedMetric>[] = [];

  seedAlarms(alarms: SeedAlarm[]): void {
    for (const a of alarms) {
      const accountId = a.accountId ?? ACCOUNT_ID;
      const state = a.state ?? 'OK';
      if (!STATES.includes(state))
        throw new Error(`alarm state "${state}" is not one of ${STATES.join(', ')}`);
      const record: AlarmRecord = {
        name: a.name,
        region: a.region,
        accountId,
        state,
        reason:
          a.reason ?? (state === 'OK' ? 'Threshold Crossed: no datapoint breaching' : 'Threshold Crossed'),
        updated: new Date().toISOString(),
      };
      if (a.namespace) record.namespace = a.namespace;
      if (a.metricName) record.metricName = a.metricName;
      this.alarms.set(`${accountId}/${a.region}/${a.name}`, record);
    }
  }

  /** Sets a seeded alarm's state (SetAlarmState without HTTP); false when there is no such alarm. */
  setAlarmState(
    accountId: string,
    region: string,
    name: string,
    state: AlarmState,
    reason?: string,
  ): boolean {
    const alarm = this.alarms.get(`${accountId}/${region}/${name}`);
    if (!alarm) return false;
    alarm.state = state;
    alarm.reason = reason ?? `Set by local-aws to ${state}`;
    alarm.updated = new Date().toISOString();
    return true;
  }

  seedMetrics(metrics: SeedMetric[]): void {
    for (const m of metrics)
      this.metrics.push({ accountId: ACCOUNT_ID, dimensions: {}, ...structuredClone(m) });
  }

  clear(): void {
    this.alarms.clear();
    this.metrics = [];
  }

  handle(operation: string, accountId: string, region: string, body: string): LocalResponse {
    const input = jsonBody(body);
    if (!input) return jsonError(V, 400, 'SerializationException', 'Request body is not a JSON object');
    if (operation === 'DescribeAlarms') return this.describeAlarms(accountId, region, input);
    if (operation === 'GetMetricData') return this.getMetricData(accountId, region, input);
    return jsonError(V, 400, 'UnknownOperationException', `CloudWatch has no operation ${operation} here`);
  }

  private describeAlarms(accountId: string, region: string, input: Record<string, unknown>): LocalResponse {
    const names = textList(input, 'AlarmNames');
    if (names === false) return invalid('AlarmNames must be a list of strings');
    if (names && names.length > MAX_ALARM_NAMES)
      return invalid(`The collection AlarmNames must not have a size greater than ${MAX_ALARM_NAMES}.`);
    const prefix = text(input, 'AlarmNamePrefix');
    if (names && names.length > 0 && prefix !== undefined)
      return jsonError(
        V,
        400,
        'InvalidParameterCombinationException',
        'AlarmNames and AlarmNamePrefix cannot be used together',
        {
          queryError: 'InvalidParameterCombination;Sender',
        },
      );
    const stateValue = text(input, 'StateValue');
    if (stateValue !== undefined && !STATES.includes(stateValue as AlarmState))
      return invalid(`StateValue must be one of ${STATES.join(', ')}`);
    const maxRecords = input.MaxRecords ?? 50;
    if (typeof maxRecords !== 'number' || !Number.isInteger(maxRecords) || maxRecords < 1 || maxRecords > 100)
      return invalid('MaxRecords must be between 1 and 100');
    const matching = [...this.alarms.values()]
      .filter(
        (a) =>
          a.accountId === accountId &&
          a.region === region &&
          (!names || names.length === 0 || names.includes(a.name)) &&
          (prefix === undefined || a.name.startsWith(prefix)) &&
          (stateValue === undefined || a.state === stateValue),
      )
      .sort((a, b) => a.name.localeCompare(b.name));
    const start = Number(text(input, 'NextToken') ?? '0');
    if (!Number.isInteger(start) || start < 0 || start > matching.length)
      return jsonError(V, 400, 'InvalidNextToken', 'The service cannot accept the NextToken', {
        queryError: 'InvalidNextToken;Sender',
      });
    const page = matching.slice(start, start + maxRecords);
    const next = start + page.length < matching.length ? { NextToken: String(start + page.length) } : {};
    return jsonAnswer(V, { MetricAlarms: page.map(metricAlarm), CompositeAlarms: [], ...next });
  }

  private getMetricData(accountId: string, region: string, input: Record<string, unknown>): LocalResponse {
    const queries = input.MetricDataQueries;
    if (!Array.isArray(queries) || queries.length === 0) return invalid('MetricDataQueries is required');
    if (queries.length > MAX_QUERIES)
      return invalid(`The collection MetricDataQueries must not have a size greater than ${MAX_QUERIES}.`);
    const start = input.StartTime;
    const end = input.EndTime;
    if (typeof start !== 'number' || typeof end !== 'number')
      return invalid('StartTime and EndTime are required');
    if (end <= start) return invalid('The parameter StartTime must be less than the parameter EndTime.');
    const results: unknown[] = [];
    for (const query of queries as Record<string, unknown>[]) {
      const id = query && typeof query === 'object' ? text(query, 'Id') : undefined;
      if (!id || !QUERY_ID.test(id)) return invalid(`Invalid metric data query Id: ${String(id)}`);
      if (query.Expression !== undefined)
        return invalid('local-aws does not emulate metric math (Expression)');
      const stat = query.MetricStat as Record<string, unknown> | undefined;
      const metric = stat?.Metric as Record<string, unknown> | undefined;
      const period = stat?.Period;
      const statName = stat ? text(stat, 'Stat') : undefined;
      if (!metric || typeof period !== 'number' || period < 1 || !statName)
        return invalid(`Query ${id}: MetricStat needs Metric, Period and Stat`);
      const points = this.pointsOf(accountId, region, metric, start, end);
      const values = aggregate(points, period, statName);
      if (!values) return invalid(`Query ${id}: unknown statistic ${statName}`);
      results.push({
        Id: id,
        Label: text(metric, 'MetricName') ?? id,
        Timestamps: values.map(([t]) => t),
        Values: values.map(([, v]) => v),
        StatusCode: 'Complete',
      });
    }
    return jsonAnswer(V, { MetricDataResults: results, Messages: [] });
  }

  private pointsOf(
    accountId: string,
    region: string,
    metric: Record<string, unknown>,
    start: number,
    end: number,
  ): { t: number; value: number }[] {
    const dims = Array.isArray(metric.Dimensions)
      ? (metric.Dimensions as { Name?: string; Value?: string }[])
      : [];
    const wanted = Object.fromEntries(dims.map((d) => [d.Name ?? '', d.Value ?? '']));
    return this.metrics
      .filter(
        (m) =>
          m.accountId === accountId &&
          m.region === region &&
          m.namespace === metric.Namespace &&
          m.metricName === metric.MetricName &&
          sameDimensions(m.dimensions, wanted),
      )
      .flatMap((m) => m.points.map((p) => ({ t: epochSeconds(p.time), value: p.value })))
      .filter((p) => p.t >= start && p.t < end);
  }
}

/** A metric's dimensions match exactly, as in CloudWatch (no subset matching). */
function sameDimensions(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/** Datapoints bucketed by period, newest bucket first (GetMetricData's default ScanBy). */
function aggregate(
  points: { t: number; value: number }[],
  period: number,
  stat: string,
): [number, number][] | undefined {
  const buckets = new Map<number, number[]>();
  for (const p of points) {
    const bucket = Math.floor(p.t / period) * period;
    buckets.set(bucket, [...(buckets.get(bucket) ?? []), p.value]);
  }
  const reduce: Record<string, (v: number[]) => number> = {
    Maximum: (v) => Math.max(...v),
    Minimum: (v) => Math.min(...v),
    Sum: (v) => v.reduce((a, b) => a + b, 0),
    Average: (v) => v.reduce((a, b) => a + b, 0) / v.length,
    SampleCount: (v) => v.length,
  };
  const fn = reduce[stat];
  if (!fn) return undefined;
  return [...buckets.entries()].sort(([a], [b]) => b - a).map(([t, v]) => [t, fn(v)]);
}

function metricAlarm(a: AlarmRecord): Record<string, unknown> {
  return {
    AlarmName: a.name,
    AlarmArn: `arn:aws:cloudwatch:${a.region}:${a.accountId}:alarm:${a.name}`,
    ActionsEnabled: true,
    StateValue: a.state,
    StateReason: a.reason,
    StateUpdatedTimestamp: epochSeconds(a.updated),
    StateTransitionedTimestamp: epochSeconds(a.updated),
    ...(a.namespace ? { Namespace: a.namespace } : {}),
    ...(a.metricName ? { MetricName: a.metricName } : {}),
  };
}
