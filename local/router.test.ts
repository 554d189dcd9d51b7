import { describe, expect, it } from "vitest";
import { createRouter } from "./router.ts";

const route = (name: string) => ({ handler: `functions/${name}.handler` });

const router = createRouter({
  "GET /orgs": route("list"),
  "POST /orgs": route("create"),
  "GET /orgs/{orgId}": route("get"),
  "GET /orgs/mine": route("mine"),
  "GET /orgs/{orgId}/members/{userId}": route("member"),
  "ANY /orgs/{orgId}/members/{userId}": route("member-any"),
  "GET /assets/{proxy+}": route("assets"),
});

describe("createRouter", () => {
  it("matches route keys and names the path variables", () => {
    expect(router.lookup("GET", "/orgs/o-1/members/u%2F2")).toEqual({
      kind: "found",
      match: { routeKey: "GET /orgs/{orgId}/members/{userId}", pathParameters: { orgId: "o-1", userId: "u/2" } },
      route: route("member"),
    });
    expect(router.lookup("POST", "/orgs")).toMatchObject({ kind: "found", match: { routeKey: "POST /orgs" } });
  });

  it("prefers the most specific route: literal over variable, explicit method over ANY", () => {
    expect(router.lookup("GET", "/orgs/mine")).toMatchObject({ match: { routeKey: "GET /orgs/mine" } });
    expect(router.lookup("GET", "/orgs/other")).toMatchObject({ match: { routeKey: "GET /orgs/{orgId}" } });
    expect(router.lookup("DELETE", "/orgs/o/members/u")).toMatchObject({
      match: { routeKey: "ANY /orgs/{orgId}/members/{userId}" },
    });
  });

  it("takes the rest of the path into a greedy variable, but never nothing", () => {
    expect(router.lookup("GET", "/assets/css/site.css")).toMatchObject({
      match: { pathParameters: { proxy: "css/site.css" } },
    });
    expect(router.lookup("GET", "/assets/")).toEqual({ kind: "not_found" });
  });

  it("tells a wrong method from an unknown path", () => {
    expect(router.lookup("DELETE", "/orgs")).toEqual({ kind: "method_not_allowed", allow: ["GET", "POST"] });
    expect(router.lookup("GET", "/orgs/o/unknown")).toEqual({ kind: "not_found" });
    expect(router.lookup("GET", "/orgs/")).toEqual({ kind: "not_found" });
  });

  it("rejects malformed route keys", () => {
    expect(() => createRouter({ "FETCH /x": route("x") })).toThrow(/METHOD \/path/);
    expect(() => createRouter({ "GET /{proxy+}/x": route("x") })).toThrow(/greedy/);
  });
});
