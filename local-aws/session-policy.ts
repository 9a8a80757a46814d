/**
 * Inline session policies (AssumeRole `Policy`), as far as the emulator enforces them: by action.
 * A session's call is allowed when an Allow statement's action matches it and no Deny statement's
 * does, as IAM intersects a session policy with the role's (here: unlimited) permissions. What the
 * emulator cannot evaluate (Resource other than "*", Condition, NotAction, NotResource) is refused
 * when the session is created, rather than silently allowed.
 */

export interface SessionPolicy {
  /** Whether the session may call `service:Operation` (e.g. `ivschat:UpdateRoom`). */
  allows(action: string): boolean;
}

interface Statement {
  effect: 'Allow' | 'Deny';
  actions: RegExp[];
}

/** The policy, or why it is malformed (STS answers MalformedPolicyDocument with that reason). */
export function parseSessionPolicy(text: string): SessionPolicy | { error: string } {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return { error: 'Syntax errors in policy.' };
  }
  if (!isObject(document)) return { error: 'The policy is not a JSON object.' };
  const raw = document.Statement;
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  if (list.length === 0) return { error: 'Missing required field Statement' };
  const statements: Statement[] = [];
  for (const item of list) {
    if (!isObject(item)) return { error: 'A Statement is not a JSON object.' };
    const unsupported = ['Condition', 'NotAction', 'NotResource', 'NotPrincipal', 'Principal'].find(
      (key) => key in item,
    );
    if (unsupported) return { error: `local-aws does not evaluate ${unsupported} in a session policy` };
    if (item.Effect !== 'Allow' && item.Effect !== 'Deny') {
      return { error: 'Effect must be Allow or Deny' };
    }
    const actions = [item.Action].flat();
    if (
      actions.length === 0 ||
      !actions.every((a) => typeof a === 'string' && /^[\w*?-]+:[\w*?]+$|^\*$/.test(a))
    ) {
      return { error: 'Action must be service:Operation strings' };
    }
    const resources = [item.Resource].flat();
    if (!resources.every((r) => r === '*')) {
      return { error: 'local-aws evaluates session policies by action only: Resource must be "*"' };
    }
    statements.push({ effect: item.Effect, actions: (actions as string[]).map(actionPattern) });
  }
  return {
    allows(action) {
      const matches = (s: Statement) => s.actions.some((p) => p.test(action));
      return (
        statements.some((s) => s.effect === 'Allow' && matches(s)) &&
        !statements.some((s) => s.effect === 'Deny' && matches(s))
      );
    },
  };
}

/** IAM action matching: case-insensitive, `*` any run of characters, `?` one character. */
function actionPattern(action: string): RegExp {
  const body = action
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
