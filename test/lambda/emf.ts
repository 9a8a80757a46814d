/**
 * Both ends of a CloudWatch metric, for tests that link them: the metric an alarm in the synthesized
 * template watches, and the metrics a run printed as Embedded Metric Format lines.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import type { CfnAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { IvsChatAuditorStack } from '../../lib/ivschat-auditor-stack.js';

export interface MetricId {
  namespace: string;
  name: string;
  /** CloudWatch matches the exact dimension set: a metric with one more dimension is another metric. */
  dimensions: Record<string, string>;
}

/** The metric the missed-audit alarm watches, as written in the template. */
export function missedAuditAlarmMetric(stack: IvsChatAuditorStack, template: Template): MetricId {
  const logicalId = stack.getLogicalId(stack.auditor.missedAuditAlarm.node.defaultChild as CfnAlarm);
  const alarm = (template.toJSON() as { Resources: Record<string, { Properties: Record<string, unknown> }> })
    .Resources[logicalId];
  if (!alarm) throw new Error(`no resource ${logicalId} (the missed-audit alarm) in the template`);
  const { Namespace, MetricName, Dimensions } = alarm.Properties as {
    Namespace: string;
    MetricName: string;
    Dimensions?: { Name: string; Value: string }[];
  };
  return {
    namespace: Namespace,
    name: MetricName,
    dimensions: Object.fromEntries((Dimensions ?? []).map((d) => [d.Name, d.Value])),
  };
}

/** Every (namespace, metric, dimension set) in EMF lines, with its value. Other lines are skipped. */
export function emittedMetrics(output: string): (MetricId & { value: unknown })[] {
  const metrics: (MetricId & { value: unknown })[] = [];
  for (const line of output.split('\n')) {
    if (!line.includes('"_aws"')) continue;
    const record = JSON.parse(line) as Record<string, unknown> & {
      _aws: {
        CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[];
      };
    };
    for (const directive of record._aws.CloudWatchMetrics) {
      for (const set of directive.Dimensions) {
        for (const metric of directive.Metrics) {
          metrics.push({
            namespace: directive.Namespace,
            name: metric.Name,
            dimensions: Object.fromEntries(set.map((key) => [key, String(record[key])])),
            value: record[metric.Name],
          });
        }
      }
    }
  }
  return metrics;
}
