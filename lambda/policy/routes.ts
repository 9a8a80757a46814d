/**
 * Alert routing (policies/routes.json): which routes a finding belongs to, so each team's topic
 * receives the findings of the rooms it owns. Pure: a checked routes file in, route ids out. Not to
 * be confused with lambda/pipeline/routing.ts (findings to their target's state partition).
 */
import type { Severity } from '../core/types.js';

/** The route of findings no route matches; its sink is the deployment's alert sink (`sns`). */
export const DEFAULT_ROUTE = 'default';

export type RouteMode = 'first' | 'all';

export interface RouteMatch {
  accounts?: string[];
  regions?: string[];
  /** Tag key → the values that match: the room's value of each key must be one of its list. */
  tags?: Record<string, string[]>;
  policies?: string[];
  severities?: Severity[];
}

/**
 * The owner case: the room's value of `tag` names the topic, but only through `topics` (an
 * allow-list). A value outside it does not match the route, so a tag can never name a topic itself.
 */
export interface OwnerDestination {
  tag: string;
  topics: Record<string, string>;
}

export interface RouteSpec {
  id: string;
  description?: string;
  match: RouteMatch;
  /** A topic ARN, or the owner case. */
  destination: string | OwnerDestination;
}

/** policies/routes.json as its schema and checks accept it. */
export interface RoutesFile {
  mode?: RouteMode;
  /** The topic of findings no route matches; absent: the deployment's alert topic. */
  default?: string;
  routes: RouteSpec[];
}

/** What a finding is routed by: its own fields, and its room's tags. */
export interface RoutedFinding {
  accountId: string;
  region: string;
  policyId: string;
  severity: Severity;
}

/** One destination a routes file names: a route id (`payments`, or `owners:video` for the owner case) and its topic. */
export interface RouteDestination {
  id: string;
  /** Undefined for the default route without a `default` topic: the deployment's own topic. */
  topicArn?: string;
}

/**
 * A routes file ready to route findings. `routesOf` returns one shared array per distinct answer, so
 * 145,823 findings routed alike hold one list, not one each.
 */
export class RouteTable {
  readonly mode: RouteMode;
  readonly file: string;
  private readonly spec: RoutesFile;
  private readonly lists = new Map<string, readonly string[]>();

  constructor(spec: RoutesFile, file = 'routes.json') {
    this.spec = spec;
    this.mode = spec.mode ?? 'first';
    this.file = file;
  }

  /** Whether any route reads a room tag (only then does a finding's room need its tags looked up). */
  get readsTags(): boolean {
    return this.spec.routes.some((r) => r.match.tags !== undefined || typeof r.destination !== 'string');
  }

  /**
   * The route ids of a finding of a room tagged `tags` (untrusted: any value), in file order; `first`
   * mode gives at most one. No route matching gives `[default]`.
   */
  routesOf(finding: RoutedFinding, tags: unknown): readonly string[] {
    const ids: string[] = [];
    for (const route of this.spec.routes) {
      const id = matchedId(route, finding, tags);
      if (id === undefined) continue;
      ids.push(id);
      if (this.mode === 'first') break;
    }
    if (ids.length === 0) ids.push(DEFAULT_ROUTE);
    const key = ids.join('\n');
    const known = this.lists.get(key);
    if (known) return known;
    const list = Object.freeze(ids);
    this.lists.set(key, list);
    return list;
  }

  /** Every destination the file names, the default route's first; each owner-case value is its own. */
  destinations(): RouteDestination[] {
    const all: RouteDestination[] = [
      this.spec.default ? { id: DEFAULT_ROUTE, topicArn: this.spec.default } : { id: DEFAULT_ROUTE },
    ];
    for (const route of this.spec.routes) {
      const { destination } = route;
      if (typeof destination === 'string') {
        all.push({ id: route.id, topicArn: destination });
        continue;
      }
      for (const [value, topicArn] of Object.entries(destination.topics)) {
        all.push({ id: ownerRouteId(route.id, value), topicArn });
      }
    }
    return all;
  }

  /** Every topic ARN the file lists (each once): what the stack may publish to. */
  topicArns(): string[] {
    return [...new Set(this.destinations().flatMap((d) => (d.topicArn ? [d.topicArn] : [])))];
  }
}

/** The route id of an owner-case route's allow-listed tag value. */
export function ownerRouteId(routeId: string, value: string): string {
  return `${routeId}:${value}`;
}

/** The id the finding is routed to by `route`, or undefined when the route does not match it. */
function matchedId(route: RouteSpec, finding: RoutedFinding, tags: unknown): string | undefined {
  const { match, destination } = route;
  if (match.accounts && !match.accounts.includes(finding.accountId)) return undefined;
  if (match.regions && !match.regions.includes(finding.region)) return undefined;
  if (match.policies && !match.policies.includes(finding.policyId)) return undefined;
  if (match.severities && !match.severities.includes(finding.severity)) return undefined;
  for (const [key, values] of Object.entries(match.tags ?? {})) {
    const value = tagValue(tags, key);
    if (value === undefined || !values.includes(value)) return undefined;
  }
  if (typeof destination === 'string') return route.id;
  const value = tagValue(tags, destination.tag);
  // Only a value the allow-list names routes here: the tag picks among listed topics, never names one.
  if (value === undefined || !Object.hasOwn(destination.topics, value)) return undefined;
  return ownerRouteId(route.id, value);
}

/** The room's value of tag `key`, when the room's tags are an object holding a string there. */
function tagValue(tags: unknown, key: string): string | undefined {
  if (tags === null || typeof tags !== 'object' || !Object.hasOwn(tags, key)) return undefined;
  const value = (tags as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : undefined;
}
