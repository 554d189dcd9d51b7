import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApi, type TestApi } from "../../test-support/http.ts";
import { routes } from "../routes.ts";

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.close());

describe("GET /health", () => {
  it("reports the database ok", async () => {
    const answer = await api.request("GET", "/health");
    expect(answer.status).toBe(200);
    expect(answer.body.checks.db).toBe("ok");
    expect(["ok", "down", "disabled"]).toContain(answer.body.checks.cache);
  });
});

describe("GET /openapi.json", () => {
  it("is a valid OpenAPI 3.1 document with every route of the table", async () => {
    const answer = await api.request("GET", "/openapi.json");
    expect(answer.status).toBe(200);
    const validator = new Validator();
    const result = await validator.validate(answer.body);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
    for (const key of Object.keys(routes)) {
      const [method, path] = key.split(" ") as [string, string];
      expect(answer.body.paths[path]?.[method.toLowerCase()], key).toBeDefined();
    }
  });

  it("shows each route's example request", async () => {
    const { body } = await api.request("GET", "/openapi.json");
    const create = body.paths["/orgs/{orgId}/resources"].post;
    expect(create.requestBody.content["application/json"].example).toEqual(
      routes["POST /orgs/{orgId}/resources"].example().body,
    );
    expect(create.parameters.find((p: { name: string }) => p.name === "orgId").example).toMatch(/^[0-9a-f-]{36}$/);
    const list = body.paths["/orgs/{orgId}/resources"].get;
    expect(list.parameters.find((p: { name: string }) => p.name === "status").example).toBe("active");
  });
});
