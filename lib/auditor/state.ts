import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { TTL_ATTRIBUTE } from '../../lambda/state/keys.js';

/** The attribute DynamoDB expires items by, named where the function writes it (lambda/state/keys.ts). */
export { TTL_ATTRIBUTE };

/**
 * What the function does to the state table, and nothing else: runs, targets and findings are read
 * by Query (GetItem for single items such as a lock; BatchGetItem for the whole records of the
 * findings a run resolves, lambda/state/target-store.ts `fetch`, and for a run's locks and successes
 * before they are released and recorded in batches) and written in batches; taking a target lock and
 * a failure streak need conditional single-item writes (PutItem, UpdateItem, DeleteItem), which
 * BatchWriteItem cannot make.
 */
export const STATE_TABLE_ACTIONS = [
  'dynamodb:Query',
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
] as const;

export interface StateTableProps {
  /** @default RemovalPolicy.RETAIN — finding history survives `cdk destroy` */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The state table: findings, the room cache (the resume cursor), runs, target locks and health, all
 * under string `pk`/`sk`. Created in the auditor's scope under the id it has always had: a new
 * logical id would make CloudFormation create an empty table and leave the old one retained, and
 * every open finding would alert again as new.
 */
export function createStateTable(scope: Construct, props: StateTableProps = {}): dynamodb.Table {
  return new dynamodb.Table(scope, 'State', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    timeToLiveAttribute: TTL_ATTRIBUTE,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
  });
}
