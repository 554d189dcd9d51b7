import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadHandler } from "../local/handler-loader.ts";
import type { RouteDefinition } from "./edge/route-definition.ts";
import { routes } from "./routes.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const entries = Object.entries(routes as Record<string, RouteDefinition>).map(([key, definition]) => ({ key, handler: definition.handler }));

describe("the route table", () => {
  it("has routes, each keyed by its own definition's key", () => {
    expect(entries.length).toBeGreaterThan(30);
    for (const [key, definition] of Object.entries(routes as Record<string, RouteDefinition>)) expect(definition.key).toBe(key);
  });

  // The handler file is what infra deploys behind the key; the definition it passes to route() is
  // what it validates and authorizes with. They must be the same route.
  it.each(entries)("$key: $handler serves this route's definition", async ({ key, handler }) => {
    const loaded = (await loadHandler(ROOT, handler)) as unknown as { routeKey?: unknown };
    expect(loaded.routeKey, `${handler} is built with route(…) for another route`).toBe(key);
  });
});
