import type { RouteMatch } from "./api-gateway.ts";

/** What the local server needs of a route table entry; the real table carries more. */
export interface LocalRoute {
  handler: string;
}

export type LocalRouteTable = Record<string, LocalRoute>;

export type RouteLookup =
  | { kind: "found"; match: RouteMatch; route: LocalRoute }
  | { kind: "method_not_allowed"; allow: string[] }
  | { kind: "not_found" };

type Segment = { type: "literal"; value: string } | { type: "param"; name: string } | { type: "greedy"; name: string };

interface CompiledRoute {
  routeKey: string;
  method: string;
  segments: Segment[];
  /** Literal 2, variable 1, greedy 0, segment by segment: see moreSpecific. */
  specificity: number[];
  greedy: boolean;
  route: LocalRoute;
}

const ROUTE_KEY = /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|ANY) (\/\S*)$/;

function compile(routeKey: string, route: LocalRoute): CompiledRoute {
  const parsed = ROUTE_KEY.exec(routeKey);
  if (!parsed) throw new Error(`route key "${routeKey}" is not "METHOD /path"`);
  const [, method, path] = parsed as unknown as [string, string, string];
  const parts = path.split("/").slice(1);
  const segments = parts.map((part, index): Segment => {
    const variable = /^\{([A-Za-z0-9_]+)(\+?)\}$/.exec(part);
    if (!variable) return { type: "literal", value: part };
    if (variable[2] === "+") {
      if (index !== parts.length - 1) throw new Error(`route key "${routeKey}": a greedy variable must end the path`);
      return { type: "greedy", name: variable[1]! };
    }
    return { type: "param", name: variable[1]! };
  });
  const specificity = segments.map((segment) => (segment.type === "literal" ? 2 : segment.type === "param" ? 1 : 0));
  return { routeKey, method, segments, specificity, greedy: segments.at(-1)?.type === "greedy", route };
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * The path's parameters when it matches, else undefined. Called for every route on every request:
 * it allocates nothing for a route that doesn't match.
 */
function matchPath(route: CompiledRoute, parts: string[]): Record<string, string> | undefined {
  const { segments } = route;
  if (route.greedy ? parts.length < segments.length : parts.length !== segments.length) return undefined;
  let params: Record<string, string> | undefined;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    if (segment.type === "literal" && parts[i] !== segment.value) return undefined;
    if (segment.type === "param" && parts[i] === "") return undefined;
  }
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    if (segment.type === "literal") continue;
    params ??= {};
    if (segment.type === "greedy") {
      const rest = parts.slice(i).join("/");
      // {proxy+} needs at least one non-empty segment, as in API Gateway.
      if (rest === "") return undefined;
      params[segment.name] = decode(rest);
    } else {
      params[segment.name] = decode(parts[i]!);
    }
  }
  return params ?? NO_PARAMS;
}

const NO_PARAMS: Record<string, string> = Object.freeze({});

/** Literal beats variable beats greedy, segment by segment from the left: API Gateway's "most specific". */
function moreSpecific(a: CompiledRoute, b: CompiledRoute): boolean {
  const sa = a.specificity;
  const sb = b.specificity;
  for (let i = 0; i < Math.max(sa.length, sb.length); i++) {
    const x = sa[i] ?? -1;
    const y = sb[i] ?? -1;
    if (x !== y) return x > y;
  }
  // Same shape: an explicit method wins over ANY.
  return a.method !== "ANY" && b.method === "ANY";
}

/** Matches "METHOD /path" against route keys such as "GET /orgs/{orgId}/members/{userId}". */
export function createRouter(routes: LocalRouteTable) {
  const compiled = Object.entries(routes).map(([routeKey, route]) => compile(routeKey, route));
  // A path can only match routes of its own length, or greedy ones no longer than it: a request
  // looks at those few instead of the whole table. Longer paths than any route share one list.
  const longest = Math.max(0, ...compiled.map((route) => route.segments.length));
  const candidates = Array.from({ length: longest + 2 }, (_, count) =>
    compiled.filter((route) => (route.greedy ? count >= route.segments.length : count === route.segments.length)),
  );

  return {
    lookup(method: string, rawPath: string): RouteLookup {
      const parts = rawPath.split("/").slice(1);
      let best: { route: CompiledRoute; params: Record<string, string> } | undefined;
      let allow: Set<string> | undefined;
      for (const route of candidates[Math.min(parts.length, longest + 1)]!) {
        const params = matchPath(route, parts);
        if (!params) continue;
        (allow ??= new Set()).add(route.method);
        if (route.method !== method && route.method !== "ANY") continue;
        if (!best || moreSpecific(route, best.route)) best = { route, params };
      }
      if (best) {
        const match: RouteMatch = { routeKey: best.route.routeKey };
        if (best.params !== NO_PARAMS) match.pathParameters = best.params;
        return { kind: "found", match, route: best.route.route };
      }
      if (allow) return { kind: "method_not_allowed", allow: [...allow].sort() };
      return { kind: "not_found" };
    },
  };
}
