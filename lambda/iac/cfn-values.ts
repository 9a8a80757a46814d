/**
 * What a CloudFormation property value is before the stack is deployed: its value when the template
 * alone decides it (literals, parameters with a default, mappings, `Fn::Sub`/`Fn::Join` of those,
 * a reference to a logging configuration declared in the same template), or why it is not known
 * (a parameter without default, an import, another resource's attribute, a condition, a pseudo
 * parameter of the deploy). Pure.
 */

/** A value as far as the template decides it. */
export type Resolved = { known: true; value: unknown } | { known: false; reason: string };

/** What a template offers to resolve a value: its sections, and what is known of its stack. */
export interface TemplateScope {
  stackName: string;
  /**
   * The stack is named only at deploy (a template read on its own, whose stack `--stack-name` names
   * when it is created; a nested stack, which CloudFormation names): `AWS::StackName` is unknown.
   */
  stackNamedAtDeploy?: boolean;
  accountId?: string;
  region?: string;
  parameters: Readonly<Record<string, unknown>>;
  mappings: Readonly<Record<string, unknown>>;
  resources: Readonly<Record<string, unknown>>;
  /**
   * Logical id → the identifier a reference to it stands for, for the resources whose reference
   * the audit can follow (the template's logging configurations: `Ref` and `Fn::GetAtt … Arn`).
   */
  followed: ReadonlyMap<string, string>;
}

/** `AWS::NoValue`: the property (or list item) is left out, as CloudFormation does. */
export const NO_VALUE: unique symbol = Symbol('AWS::NoValue');

const known = (value: unknown): Resolved => ({ known: true, value });
const unknown = (reason: string): Resolved => ({ known: false, reason });

/** Resolves `value` in `scope`: known only when every part of it is. */
export function resolveValue(value: unknown, scope: TemplateScope): Resolved {
  if (Array.isArray(value)) return resolveList(value, scope);
  if (value === null || typeof value !== 'object') return known(value);
  const entries = Object.entries(value);
  const [first] = entries;
  if (entries.length === 1 && first && isIntrinsic(first[0]))
    return resolveIntrinsic(first[0], first[1], scope);
  const out: Record<string, unknown> = {};
  for (const [key, item] of entries) {
    const resolved = resolveValue(item, scope);
    if (!resolved.known) return resolved;
    if (resolved.value !== NO_VALUE) out[key] = resolved.value;
  }
  return known(out);
}

function resolveList(items: readonly unknown[], scope: TemplateScope): Resolved {
  const out: unknown[] = [];
  for (const item of items) {
    const resolved = resolveValue(item, scope);
    if (!resolved.known) return resolved;
    if (resolved.value !== NO_VALUE) out.push(resolved.value);
  }
  return known(out);
}

function isIntrinsic(key: string): boolean {
  return key === 'Ref' || key === 'Condition' || key.startsWith('Fn::');
}

function resolveIntrinsic(name: string, arg: unknown, scope: TemplateScope): Resolved {
  switch (name) {
    case 'Ref':
      return typeof arg === 'string' ? resolveRef(arg, scope) : unknown(`is a Ref to ${describe(arg)}`);
    case 'Fn::GetAtt':
      return resolveGetAtt(arg, scope);
    case 'Fn::Sub':
      return resolveSub(arg, scope);
    case 'Fn::Join':
      return resolveJoin(arg, scope);
    case 'Fn::Select':
      return resolveSelect(arg, scope);
    case 'Fn::FindInMap':
      return resolveFindInMap(arg, scope);
    case 'Fn::If': {
      const condition = Array.isArray(arg) ? arg[0] : arg;
      return unknown(`depends on the condition ${describe(condition)}, decided at deploy`);
    }
    case 'Fn::ImportValue':
      return unknown(
        `is imported from another stack (Fn::ImportValue ${describe(arg)}), known only at deploy`,
      );
    default:
      return unknown(`is computed by ${name} at deploy`);
  }
}

/** Pseudo parameters the audit knows when the stack's account and region are known. */
function resolvePseudo(name: string, scope: TemplateScope): Resolved | undefined {
  const atDeploy = unknown(`is ${name}, known only at deploy`);
  switch (name) {
    case 'AWS::NoValue':
      return known(NO_VALUE);
    case 'AWS::StackName':
      return scope.stackNamedAtDeploy
        ? unknown('is AWS::StackName: the stack is named at deploy (give --stack-name)')
        : known(scope.stackName);
    case 'AWS::Region':
      return scope.region ? known(scope.region) : atDeploy;
    case 'AWS::AccountId':
      return scope.accountId ? known(scope.accountId) : atDeploy;
    case 'AWS::Partition':
      return scope.region ? known(partitionOf(scope.region)) : atDeploy;
    default:
      return name.startsWith('AWS::') ? atDeploy : undefined;
  }
}

function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

function resolveRef(name: string, scope: TemplateScope): Resolved {
  const pseudo = resolvePseudo(name, scope);
  if (pseudo) return pseudo;
  if (Object.hasOwn(scope.parameters, name)) return parameterValue(name, scope.parameters[name]);
  const followed = scope.followed.get(name);
  if (followed !== undefined) return known(followed);
  if (Object.hasOwn(scope.resources, name)) {
    return unknown(`is the resource ${name}, whose name or ARN is known only once the stack is deployed`);
  }
  return unknown(`is a Ref to ${name}, which the template does not declare`);
}

/**
 * A parameter's value is its Default, unless the parameter has none (the deployer gives it) or is
 * read from Systems Manager at deploy (`AWS::SSM::Parameter::Value<…>`: the Default is the name of
 * the SSM parameter, not its value). A list parameter's Default is a comma-separated string.
 */
function parameterValue(name: string, declaration: unknown): Resolved {
  const decl = (declaration ?? {}) as { Type?: unknown; Default?: unknown };
  const type = typeof decl.Type === 'string' ? decl.Type : 'String';
  if (type.startsWith('AWS::SSM::Parameter::Value')) {
    return unknown(`is the parameter ${name}, read from Systems Manager at deploy`);
  }
  if (decl.Default === undefined) {
    return unknown(`is the parameter ${name}, which has no default: its value is given at deploy`);
  }
  if (type === 'CommaDelimitedList' || type.startsWith('List<')) {
    return known(String(decl.Default).split(','));
  }
  return known(decl.Default);
}

function resolveGetAtt(arg: unknown, scope: TemplateScope): Resolved {
  const [resource, attribute] = Array.isArray(arg) ? arg : [];
  if (typeof resource !== 'string') return unknown(`is Fn::GetAtt of ${describe(arg)}`);
  const followed = scope.followed.get(resource);
  if (followed !== undefined && attribute === 'Arn') return known(followed);
  return unknown(`is the ${describe(attribute)} of the resource ${resource}, known only once it is deployed`);
}

/** `Fn::Sub`: `${Name}` and `${Resource.Attribute}` replaced, `${!Literal}` kept as `${Literal}`. */
function resolveSub(arg: unknown, scope: TemplateScope): Resolved {
  const [text, vars] = Array.isArray(arg) ? arg : [arg, {}];
  if (typeof text !== 'string') return unknown(`is Fn::Sub of ${describe(text)}`);
  const locals = (vars ?? {}) as Record<string, unknown>;
  let failure: Resolved | undefined;
  const value = text.replace(/\$\{([^}]*)\}/g, (whole, inner: string) => {
    if (failure) return whole;
    if (inner.startsWith('!')) return `\${${inner.slice(1)}}`;
    const name = inner.trim();
    const dot = name.indexOf('.');
    const resolved = Object.hasOwn(locals, name)
      ? resolveValue(locals[name], scope)
      : dot > 0
        ? resolveGetAtt([name.slice(0, dot), name.slice(dot + 1)], scope)
        : resolveRef(name, scope);
    if (!resolved.known) {
      failure = resolved;
      return whole;
    }
    return String(resolved.value);
  });
  return failure ?? known(value);
}

function resolveJoin(arg: unknown, scope: TemplateScope): Resolved {
  const [delimiter, list] = Array.isArray(arg) ? arg : [];
  const items = resolveValue(list, scope);
  if (!items.known) return items;
  if (!Array.isArray(items.value)) return unknown('is an Fn::Join of something that is not a list');
  return known(items.value.map(String).join(typeof delimiter === 'string' ? delimiter : ''));
}

function resolveSelect(arg: unknown, scope: TemplateScope): Resolved {
  const [index, list] = Array.isArray(arg) ? arg : [];
  const at = resolveValue(index, scope);
  if (!at.known) return at;
  const items = resolveValue(list, scope);
  if (!items.known) return items;
  const i = Number(at.value);
  if (!Array.isArray(items.value) || !Number.isInteger(i) || i < 0 || i >= items.value.length) {
    return unknown(`is an Fn::Select whose index ${describe(at.value)} is out of its list`);
  }
  return known(items.value[i]);
}

function resolveFindInMap(arg: unknown, scope: TemplateScope): Resolved {
  const parts = Array.isArray(arg) ? arg.slice(0, 3) : [];
  const keys: string[] = [];
  for (const part of parts) {
    const resolved = resolveValue(part, scope);
    if (!resolved.known) return resolved;
    keys.push(String(resolved.value));
  }
  const [map, top, second] = keys;
  const found = (scope.mappings[map ?? ''] as Record<string, Record<string, unknown>> | undefined)?.[
    top ?? ''
  ]?.[second ?? ''];
  return found === undefined
    ? unknown(`is Fn::FindInMap ${keys.join('/')}, which the Mappings do not hold`)
    : known(found);
}

/** A template value in a reason: short, one line (the renderers escape it for their medium). */
function describe(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}
