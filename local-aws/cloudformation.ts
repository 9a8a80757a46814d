/**
 * AWS CloudFormation `DescribeStacks` (awsQuery: a form with `Action=DescribeStacks`, answered in
 * XML) over stacks seeded per account and region with their status and outputs. A stack is named by
 * its name or its stack id; an unknown one answers `ValidationError` "Stack with id … does not exist",
 * as CloudFormation does.
 */
import { randomUUID } from 'node:crypto';
import { ACCOUNT_ID, escapeXml, type LocalResponse, requestId, xml } from './http.js';

const XMLNS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';
const STACK_NAME = /^[a-zA-Z][-a-zA-Z0-9]{0,127}$/;

export interface SeedStack {
  name: string;
  region: string;
  /** Default 000000000000. */
  accountId?: string;
  /** Default CREATE_COMPLETE. */
  status?: string;
  outputs?: Record<string, string>;
}

interface StackRecord extends Required<SeedStack> {
  stackId: string;
  created: string;
}

export function cloudFormationError(status: number, code: string, message: string): LocalResponse {
  return xml(
    status,
    `<ErrorResponse xmlns="${XMLNS}"><Error><Type>Sender</Type><Code>${escapeXml(code)}</Code>` +
      `<Message>${escapeXml(message)}</Message></Error><RequestId>${requestId()}</RequestId></ErrorResponse>`,
  );
}

export class CloudFormationService {
  private stacks: StackRecord[] = [];

  seed(stacks: SeedStack[]): void {
    for (const s of stacks) {
      if (!STACK_NAME.test(s.name)) throw new Error(`stack name "${s.name}" is not valid`);
      const accountId = s.accountId ?? ACCOUNT_ID;
      this.stacks = this.stacks.filter(
        (x) => !(x.name === s.name && x.accountId === accountId && x.region === s.region),
      );
      this.stacks.push({
        name: s.name,
        region: s.region,
        accountId,
        status: s.status ?? 'CREATE_COMPLETE',
        outputs: { ...(s.outputs ?? {}) },
        stackId: `arn:aws:cloudformation:${s.region}:${accountId}:stack/${s.name}/${randomUUID()}`,
        created: new Date().toISOString(),
      });
    }
  }

  clear(): void {
    this.stacks = [];
  }

  handle(accountId: string, region: string, params: URLSearchParams): LocalResponse {
    const action = params.get('Action');
    if (action !== 'DescribeStacks')
      return cloudFormationError(400, 'InvalidAction', `CloudFormation has no action ${action ?? ''} here`);
    const name = params.get('StackName');
    const own = this.stacks.filter((s) => s.accountId === accountId && s.region === region);
    const found = name === null ? own : own.filter((s) => s.name === name || s.stackId === name);
    if (name !== null && found.length === 0)
      return cloudFormationError(400, 'ValidationError', `Stack with id ${name} does not exist`);
    const members = found.map(stackXml).join('');
    return xml(
      200,
      `<DescribeStacksResponse xmlns="${XMLNS}"><DescribeStacksResult><Stacks>${members}</Stacks>` +
        `</DescribeStacksResult><ResponseMetadata><RequestId>${requestId()}</RequestId></ResponseMetadata></DescribeStacksResponse>`,
    );
  }
}

function stackXml(stack: StackRecord): string {
  const outputs = Object.entries(stack.outputs)
    .map(
      ([key, value]) =>
        `<member><OutputKey>${escapeXml(key)}</OutputKey><OutputValue>${escapeXml(value)}</OutputValue></member>`,
    )
    .join('');
  return (
    `<member><StackId>${escapeXml(stack.stackId)}</StackId><StackName>${escapeXml(stack.name)}</StackName>` +
    `<CreationTime>${stack.created}</CreationTime><StackStatus>${escapeXml(stack.status)}</StackStatus>` +
    `<Outputs>${outputs}</Outputs></member>`
  );
}
