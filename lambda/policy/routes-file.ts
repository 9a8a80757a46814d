/**
 * The routes file (`routes.json` in a policy folder) read like a policy file: validated against the
 * schema this tool ships (policies/routes.schema.json, through the policy-file ajv), then the checks
 * a schema cannot make, each problem a PolicyError with its JSON pointer so `policies check` and
 * synth report them as they report a policy's.
 */
import routesSchema from '../../policies/routes.schema.json' with { type: 'json' };
import { PolicyError } from '../core/errors.js';
import { createPolicyFileAjv } from './ajv.js';
import { type PolicySource, parsePolicyJson, schemaProblem } from './compile.js';
import { controlCharacterProblems } from './file-checks.js';
import { DEFAULT_ROUTE, type RoutesFile, RouteTable } from './routes.js';

export const ROUTES_FILE = 'routes.json';
export const ROUTES_SCHEMA_FILE = 'routes.schema.json';

/** The routes file schema this tool ships; a folder's own copy is for editors and never used. */
export const ROUTES_FILE_SCHEMA: object = routesSchema;

/** A topic ARN as SNS publishes to it: standard (not FIFO), the same shape ALERT_TOPIC_ARN takes. */
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

/** Whether a source is the routes file or its schema (neither is a policy). */
export function isRoutesEntry(file: string): 'routes' | 'schema' | undefined {
  const name = file.split(/[\\/]/).pop() ?? file;
  if (name === ROUTES_FILE) return 'routes';
  if (name === ROUTES_SCHEMA_FILE) return 'schema';
  return undefined;
}

/** The routes file compiled, or its problems (every one, so one run shows them all). */
export function compileRoutes(source: PolicySource): RouteTable | PolicyError[] {
  const parsed = parsePolicyJson(source, 'a routes file holds one JSON object');
  const hostile = controlCharacterProblems(source.file, parsed instanceof PolicyError ? undefined : parsed);
  if (hostile.length > 0) return hostile.map((p) => new PolicyError(source.file, p.pointer, p.detail));
  if (parsed instanceof PolicyError) return [parsed];
  const validate = createPolicyFileAjv().compile<RoutesFile>(ROUTES_FILE_SCHEMA);
  if (!validate(parsed)) {
    // `if` only says which branch failed; that branch's own error names the problem.
    const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'if');
    return errors.map((e) => schemaProblem(source.file, e, 'a routes file'));
  }
  const problems = routeProblems(parsed).map((p) => new PolicyError(source.file, p.pointer, p.detail));
  return problems.length > 0 ? problems : new RouteTable(parsed, source.file);
}

interface Problem {
  pointer: string;
  detail: string;
}

/** What the schema cannot say: ids unique and not `default`, allow-list entries topic ARNs, no route that can never match. */
export function routeProblems(file: RoutesFile): Problem[] {
  const problems: Problem[] = [];
  const seen = new Map<string, number>();
  file.routes.forEach((route, i) => {
    const at = `/routes/${i}`;
    if (route.id === DEFAULT_ROUTE) {
      problems.push({
        pointer: `${at}/id`,
        detail: `"${DEFAULT_ROUTE}" is the route of findings no route matches; give the top-level "default" a topic instead`,
      });
    }
    const first = seen.get(route.id);
    if (first !== undefined) {
      problems.push({
        pointer: `${at}/id`,
        detail: `duplicate route id "${route.id}" (also /routes/${first})`,
      });
    } else {
      seen.set(route.id, i);
    }
    for (const [key, values] of Object.entries(route.match.tags ?? {})) {
      if (new Set(values).size !== values.length) {
        problems.push({ pointer: `${at}/match/tags/${escapePointer(key)}`, detail: 'lists a value twice' });
      }
    }
    const { destination } = route;
    if (typeof destination === 'string') return;
    for (const [value, topic] of Object.entries(destination.topics)) {
      if (!TOPIC_ARN.test(topic)) {
        problems.push({
          pointer: `${at}/destination/topics/${escapePointer(value)}`,
          detail: 'is not a standard SNS topic ARN (arn:aws:sns:<region>:<account>:<name>, not FIFO)',
        });
      }
    }
    // The owner tag may also be matched on; then only the values both lists hold ever route here.
    const matched = route.match.tags?.[destination.tag];
    if (matched && !matched.some((v) => Object.hasOwn(destination.topics, v))) {
      problems.push({
        pointer: `${at}/destination/topics`,
        detail: `names none of the values match/tags/${destination.tag} accepts, so the route never matches`,
      });
    }
  });
  return problems;
}

function escapePointer(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}
