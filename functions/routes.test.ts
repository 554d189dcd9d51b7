import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadHandler } from "../local/handler-loader.ts";
import { SAMPLE } from "./edge/openapi.ts";
import type { RouteDefinition } from "./edge/route-definition.ts";
import { routeSchemas } from "./responses.ts";
import { routes } from "./routes.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const entries = Object.entries(routes as Record<string, RouteDefinition>).map(([key, definition]) => ({
  key,
  handler: definition.handler,
  definition,
}));
const SCHEMAS = routeSchemas(routes as Record<string, RouteDefinition>);

describe("the route table", () => {
  it("has routes, each keyed by its own definition's key", () => {
    expect(entries.length).toBeGreaterThan(30);
    for (const [key, definition] of Object.entries(routes as Record<string, RouteDefinition>))
      expect(definition.key).toBe(key);
  });

  // The handler file is what infra deploys behind the key; the definition it passes to route() is
  // what it validates and authorizes with. They must be the same route.
  it.each(entries)("$key: $handler serves this route's definition", async ({ key, handler }) => {
    const loaded = (await loadHandler(ROOT, handler)) as unknown as { routeKey?: unknown };
    expect(loaded.routeKey, `${handler} is built with route(…) for another route`).toBe(key);
  });

  // A route checks its path parameters only if its `request` declares them: one left out would reach
  // the core operation unchecked, and still type-check.
  it.each(entries)("$key: declares every path parameter of its key, and no other", ({ key }) => {
    const inPath = [...key.matchAll(/\{(\w+)\}/g)].map(([, name]) => name!).sort();
    const declared = Object.keys(SCHEMAS[key]!.params?.shape ?? {}).sort();
    expect(declared).toEqual(inPath);
  });

  // The seeded worlds the tests run examples in are checked by those tests (each example must
  // succeed there); here the documented values, which nothing sends.
  it.each(entries)("$key: its example, with the documented values, is a valid request", ({ key, definition }) => {
    const schemas = SCHEMAS[key]!;
    const example = definition.example?.(SAMPLE) ?? {};
    if (schemas.body) expect(schemas.body.safeParse(example.body).error?.issues, "body").toBeUndefined();
    else expect(example.body, "an example body for a route without one").toBeUndefined();
    if (schemas.query) expect(schemas.query.safeParse(example.query ?? {}).error?.issues, "query").toBeUndefined();
    else expect(example.query, "an example query for a route without one").toBeUndefined();
  });
});
