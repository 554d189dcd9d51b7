import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VisibleError } from "@voxguard/core/error";
import { startApi, type ApiAnswer, type TestApi } from "../../test-support/http.ts";
import { routeSchemas } from "../responses.ts";
import { routes } from "../routes.ts";
import { toProblem } from "./problem.ts";
import type { RouteDefinition } from "./route-definition.ts";

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.close());

const schemas = routeSchemas(routes);
const withBody = Object.entries(routes as Record<string, RouteDefinition>).filter(
  ([key]) => schemas[key as keyof typeof routes].body,
);

/** A concrete path for a route key: every path parameter a well-formed id. */
function pathOf(key: string): [string, string] {
  const [method, template] = key.split(" ") as [string, string];
  return [method, template.replace(/\{[^}]+\}/g, "00000000-0000-4000-8000-000000000000")];
}

function expectProblem(answer: ApiAnswer, status: number, code: string) {
  expect(answer.status).toBe(status);
  expect(answer.headers.get("content-type")).toBe("application/problem+json");
  expect(answer.body).toMatchObject({ type: "about:blank", status, code });
  expect(typeof answer.body.detail).toBe("string");
  expect(answer.body.requestId).toBe(answer.headers.get("x-request-id"));
}

describe("every route with a body", () => {
  it("has routes to check", () => {
    expect(withBody.length).toBeGreaterThan(0);
  });

  // What a client sent as the body, by its content type, and the problem that answers it.
  const unreadable: [what: string, type: string, rawBody: string, status: number, code: string][] = [
    ["malformed JSON is 400 invalid_json", "application/json", '{"email": ', 400, "invalid_json"],
    [
      "a non-JSON content type is 415",
      "application/x-www-form-urlencoded",
      "email=a@b.c",
      415,
      "unsupported_media_type",
    ],
  ];
  it.each(unreadable.flatMap((row) => withBody.map(([key]) => [key, ...row] as const)))(
    "%s: %s",
    async (key, _what, type, rawBody, status, code) => {
      const [method, path] = pathOf(key);
      const answer = await api.request(method, path, { rawBody, headers: { "content-type": type } });
      expectProblem(answer, status, code);
    },
  );

  it.each(withBody.map(([key]) => key))("%s: a body over 64 KiB is 413", async (key) => {
    const [method, path] = pathOf(key);
    const answer = await api.request(method, path, { body: { padding: "x".repeat(70 * 1024) } });
    expectProblem(answer, 413, "payload_too_large");
  });

  it.each(withBody.filter(([, r]) => r.auth === "none").map(([key]) => key))(
    "%s: a schema violation is 400 validation_failed with field paths",
    async (key) => {
      const [method, path] = pathOf(key);
      const answer = await api.request(method, path, { body: { email: 42, unexpected: true } });
      expectProblem(answer, 400, "validation_failed");
      expect(answer.body.errors.length).toBeGreaterThan(0);
      for (const error of answer.body.errors) expect(error.path).toMatch(/^body(\.|$)/);
    },
  );

  it.each(withBody.filter(([, r]) => r.auth !== "none").map(([key]) => key))(
    "%s: without a session it is 401 before anything is read",
    async (key) => {
      const [method, path] = pathOf(key);
      expectProblem(await api.request(method, path, { body: {} }), 401, "unauthorized");
    },
  );
});

describe("the edge", () => {
  it("echoes a well-formed x-request-id and invents one otherwise", async () => {
    const echoed = await api.request("GET", "/health", { headers: { "x-request-id": "client-req-123" } });
    expect(echoed.headers.get("x-request-id")).toBe("client-req-123");
    const invented = await api.request("GET", "/health", { headers: { "x-request-id": "not ok; <script>" } });
    expect(invented.headers.get("x-request-id")).toMatch(/^[A-Za-z0-9._:=+/-]+$/);
    expect(invented.headers.get("x-request-id")).not.toBe("not ok; <script>");
  });

  it("sends security headers on every answer", async () => {
    const answer = await api.request("GET", "/nope");
    expect(answer.headers.get("x-content-type-options")).toBe("nosniff");
    const health = await api.request("GET", "/health");
    expect(health.headers.get("x-content-type-options")).toBe("nosniff");
    expect(health.headers.get("cache-control")).toBe("no-store");
  });

  it("answers an unknown route 404 and a wrong method 405, as problems", async () => {
    const unknown = await api.request("GET", "/definitely/not/here");
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe("not_found");
    const wrong = await api.request("PUT", "/health");
    expect(wrong.status).toBe(405);
  });

  it("rejects a malformed bearer token with 401", async () => {
    const sessionRoute = Object.entries(routes as Record<string, RouteDefinition>).find(
      ([k, r]) => r.auth === "session" && k.startsWith("GET "),
    );
    expect(sessionRoute).toBeDefined();
    const [, path] = pathOf(sessionRoute![0]);
    for (const authorization of [
      "Bearer",
      "Bearer short",
      "Basic abc",
      `Bearer ${"a".repeat(43)}'; drop table users; --`,
    ]) {
      expectProblem(await api.request("GET", path, { headers: { authorization } }), 401, "unauthorized");
    }
  });

  it("never shows an unexpected error's text", () => {
    const answer = toProblem(new Error('relation "users" does not exist at SELECT * FROM users'), "r1");
    expect(answer.problem).toEqual({
      type: "about:blank",
      title: "Internal Server Error",
      status: 500,
      detail: "An unexpected error occurred",
      code: "internal",
      requestId: "r1",
    });
    expect(answer.unexpected).toBe(true);
  });

  it("maps a visible error to its status, with Retry-After for rate limits", () => {
    const answer = toProblem(new VisibleError("rate_limited", "Too many attempts", { retryAfter: 12.2 }), "r2");
    expect(answer.problem.status).toBe(429);
    expect(answer.headers["retry-after"]).toBe("13");
  });

  it("answers 503 unavailable when the database cannot be reached", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
    const answer = toProblem(refused, "r3");
    expect(answer.problem).toMatchObject({ status: 503, code: "unavailable" });
    expect(answer.problem.detail).not.toContain("5432");
  });

  it("answers 503, never 500, when a serialization failure outlasts the retries", () => {
    for (const code of ["40001", "40P01", "XX000"]) {
      const answer = toProblem(Object.assign(new Error("Restart read required"), { code }), "r4");
      expect(answer.problem).toMatchObject({ status: 503, code: "unavailable" });
      expect(answer.headers["retry-after"]).toBe("1");
    }
  });
});
