/**
 * AWS CloudFormation `DescribeStacks` and `GetTemplate` (awsQuery: a form with `Action=…`, answered
 * in XML) over stacks seeded per account and region with their status, outputs, parameters, tags
 * and template. A stack is named by its name or its stack id; an unknown one answers
 * `ValidationError` "Stack with id … does not exist", as CloudFormation does. A stack seeded with a
 * template is deployed: `stack-rooms.ts` creates its `AWS::IVSChat::Room`s with CloudFormation's tags.
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
  /** The template (an object, or its text) GetTemplate returns; both stages are the same here. */
  template?: unknown;
  /** Deployed parameter values (DescribeStacks' ParameterValue). */
  parameters?: Record<string, string>;
  /** Parameters CloudFormation masks in DescribeStacks (NoEcho): their value reads `****`. */
  noEcho?: string[];
  /** Stack-level tags. */
  tags?: Record<string, string>;
}

interface StackRecord extends Required<Omit<SeedStack, 'template'>> {
  stackId: string;
  created: string;
  /** Set by `update`: a later LastUpdatedTime. */
  updated?: string;
  templateBody: string;
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

  /** Seeds `stacks` (replacing any of the same name there); returns the records, stack ids included. */
  seed(stacks: SeedStack[]): { name: string; stackId: string; accountId: string; region: string }[] {
    const added: StackRecord[] = [];
    for (const s of stacks) {
      if (!STACK_NAME.test(s.name)) throw new Error(`stack name "${s.name}" is not valid`);
      const accountId = s.accountId ?? ACCOUNT_ID;
      this.stacks = this.stacks.filter(
        (x) => !(x.name === s.name && x.accountId === accountId && x.region === s.region),
      );
      const record: StackRecord = {
        name: s.name,
        region: s.region,
        accountId,
        status: s.status ?? 'CREATE_COMPLETE',
        outputs: { ...(s.outputs ?? {}) },
        parameters: { ...(s.parameters ?? {}) },
        noEcho: [...(s.noEcho ?? [])],
        tags: { ...(s.tags ?? {}) },
        stackId: `arn:aws:cloudformation:${s.region}:${accountId}:stack/${s.name}/${randomUUID()}`,
        created: new Date().toISOString(),
        templateBody:
          s.template === undefined
            ? '{"Resources":{}}'
            : typeof s.template === 'string'
              ? s.template
              : JSON.stringify(s.template),
      };
      this.stacks.push(record);
      added.push(record);
    }
    return added.map(({ name, stackId, accountId, region }) => ({ name, stackId, accountId, region }));
  }

  /** An update of the stack (a new template or parameters, or none): its LastUpdatedTime moves on. */
  update(stackId: string, change: { template?: unknown; parameters?: Record<string, string> } = {}): void {
    const stack = this.stacks.find((s) => s.stackId === stackId);
    if (!stack) throw new Error(`no stack ${stackId}`);
    const last = Date.parse(stack.updated ?? stack.created);
    stack.updated = new Date(Math.max(Date.now(), last + 1000)).toISOString();
    if (change.template !== undefined)
      stack.templateBody =
        typeof change.template === 'string' ? change.template : JSON.stringify(change.template);
    if (change.parameters) stack.parameters = { ...stack.parameters, ...change.parameters };
  }

  /** Sets the template and parameters without moving LastUpdatedTime: a rollback to them. */
  setTemplate(stackId: string, template: unknown, parameters: Record<string, string>): void {
    const stack = this.stacks.find((s) => s.stackId === stackId);
    if (!stack) throw new Error(`no stack ${stackId}`);
    stack.templateBody = typeof template === 'string' ? template : JSON.stringify(template);
    stack.parameters = { ...parameters };
  }

  /** Puts the stack in a status (UPDATE_IN_PROGRESS mid-update, a rollback), as an operation would. */
  setStatus(stackId: string, status: string): void {
    const stack = this.stacks.find((s) => s.stackId === stackId);
    if (!stack) throw new Error(`no stack ${stackId}`);
    stack.status = status;
  }

  clear(): void {
    this.stacks = [];
  }

  handle(accountId: string, region: string, params: URLSearchParams): LocalResponse {
    const action = params.get('Action');
    if (action === 'GetTemplate') return this.getTemplate(accountId, region, params);
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

  /**
   * GetTemplate: StackName is required; TemplateStage is `Original` or `Processed` (default
   * Original). Without transforms both stages are the same text, as here.
   */
  private getTemplate(accountId: string, region: string, params: URLSearchParams): LocalResponse {
    const name = params.get('StackName');
    const stage = params.get('TemplateStage');
    if (stage !== null && stage !== 'Original' && stage !== 'Processed') {
      return cloudFormationError(
        400,
        'ValidationError',
        `1 validation error detected: Value '${stage}' at 'templateStage' failed to satisfy constraint: Member must satisfy enum value set: [Original, Processed]`,
      );
    }
    if (name === null) return cloudFormationError(400, 'ValidationError', 'StackName is required');
    const stack = this.stacks.find(
      (s) => s.accountId === accountId && s.region === region && (s.name === name || s.stackId === name),
    );
    if (!stack) return cloudFormationError(400, 'ValidationError', `Stack with id ${name} does not exist`);
    return xml(
      200,
      `<GetTemplateResponse xmlns="${XMLNS}"><GetTemplateResult><TemplateBody>${escapeXml(stack.templateBody)}</TemplateBody>` +
        '<StagesAvailable><member>Original</member><member>Processed</member></StagesAvailable>' +
        `</GetTemplateResult><ResponseMetadata><RequestId>${requestId()}</RequestId></ResponseMetadata></GetTemplateResponse>`,
    );
  }

  /** The seeded stack with this id, for deploying its rooms (stack-rooms.ts). */
  stack(stackId: string): Readonly<StackRecord> | undefined {
    return this.stacks.find((s) => s.stackId === stackId);
  }
}

function stackXml(stack: StackRecord): string {
  const outputs = Object.entries(stack.outputs)
    .map(
      ([key, value]) =>
        `<member><OutputKey>${escapeXml(key)}</OutputKey><OutputValue>${escapeXml(value)}</OutputValue></member>`,
    )
    .join('');
  const parameters = Object.entries(stack.parameters)
    .map(
      ([key, value]) =>
        `<member><ParameterKey>${escapeXml(key)}</ParameterKey><ParameterValue>${escapeXml(stack.noEcho.includes(key) ? '****' : value)}</ParameterValue></member>`,
    )
    .join('');
  const tags = Object.entries(stack.tags)
    .map(([key, value]) => `<member><Key>${escapeXml(key)}</Key><Value>${escapeXml(value)}</Value></member>`)
    .join('');
  return (
    `<member><StackId>${escapeXml(stack.stackId)}</StackId><StackName>${escapeXml(stack.name)}</StackName>` +
    `<Parameters>${parameters}</Parameters>` +
    `<CreationTime>${stack.created}</CreationTime>` +
    (stack.updated ? `<LastUpdatedTime>${stack.updated}</LastUpdatedTime>` : '') +
    `<StackStatus>${escapeXml(stack.status)}</StackStatus>` +
    `<Outputs>${outputs}</Outputs><Tags>${tags}</Tags></member>`
  );
}
