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
});
