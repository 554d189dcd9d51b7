import { request as httpRequest } from "node:http";
import path from "node:path";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clfTime, isTextContentType, normalizeResult, parseQueryString } from "./api-gateway.ts";
import { startLocalServer, type LocalServer } from "./server.ts";

const rootDir = path.resolve(import.meta.dirname, "..");

const routes = {
  "GET /orgs/{orgId}/members/{userId}": { handler: "local/fixtures/echo.handler" },
  "GET /echo": { handler: "local/fixtures/echo.handler" },
  "POST /echo": { handler: "local/fixtures/echo.handler" },
  "ANY /files/{proxy+}": { handler: "local/fixtures/echo.handler" },
  "GET /answers/cookies": { handler: "local/fixtures/answers.cookies" },
  "GET /answers/binary": { handler: "local/fixtures/answers.binary" },
  "GET /answers/multi-value": { handler: "local/fixtures/answers.multiValue" },
  "DELETE /answers/no-content": { handler: "local/fixtures/answers.noContent" },
  "GET /answers/shorthand-object": { handler: "local/fixtures/answers.shorthandObject" },
  "GET /answers/shorthand-string": { handler: "local/fixtures/answers.shorthandString" },
  "GET /answers/shorthand-nothing": { handler: "local/fixtures/answers.shorthandNothing" },
  "GET /answers/malformed": { handler: "local/fixtures/answers.malformed" },
  "GET /answers/throws": { handler: "local/fixtures/answers.throws" },
  "GET /answers/slow": { handler: "local/fixtures/answers.slow" },
  "GET /answers/not-a-function": { handler: "local/fixtures/answers.notAFunction" },
  "GET /answers/missing-file": { handler: "local/fixtures/no-such-file.handler" },
  "POST /upload": { handler: "local/fixtures/body-length.handler" },
};

// Field names of AWS's published payload 2.0 samples (aws/aws-lambda-go events/testdata/
// apigw-v2-request-no-authorizer.json and apigw-v2-request-iam.json), without the parts that only
// exist with mTLS (authentication), an authorizer or stage variables.
const V2_TOP_LEVEL = [
  "version",
  "routeKey",
  "rawPath",
  "rawQueryString",
  "cookies",
  "headers",
  "queryStringParameters",
  "pathParameters",
  "requestContext",
  "body",
  "isBase64Encoded",
];
const V2_REQUEST_CONTEXT = [
  "accountId",
  "apiId",
  "domainName",
  "domainPrefix",
  "http",
  "requestId",
  "routeKey",
  "stage",
  "time",
  "timeEpoch",
];
const V2_HTTP = ["method", "path", "protocol", "sourceIp", "userAgent"];

let server: LocalServer;
let limited: LocalServer;

beforeAll(async () => {
  server = await startLocalServer({ routes, rootDir });
  limited = await startLocalServer({ routes, rootDir, maxBodyBytes: 1024, timeoutMs: 200 });
});

afterAll(async () => {
  await server.close();
  await limited.close();
});

interface Echo {
  event: APIGatewayProxyEventV2;
  context: { functionName: string; awsRequestId: string; invokedFunctionArn: string; remainingTimeInMillis: number };
}

async function echo(target: string, init?: RequestInit): Promise<{ response: Response; echo: Echo }> {
  const response = await fetch(`${server.url}${target}`, init);
  expect(response.status).toBe(200);
  return { response, echo: (await response.json()) as Echo };
}

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** node:http rather than fetch where the wire matters: fetch folds repeated headers into one line. */
function raw(
  base: string,
  options: { method?: string; path: string; headers?: Record<string, string | string[]>; body?: Buffer },
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const url = new URL(base);
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: options.method ?? "GET",
        path: options.path,
        headers: options.headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

describe("the event a request becomes", () => {
  it("has the fields of AWS's payload 2.0 sample events, typed alike", async () => {
    const { echo: result } = await echo("/orgs/o-1/members/u-2?limit=5&tag=a&tag=b", {
      headers: { cookie: "session=abc; theme=dark", "x-request-id": "req-1" },
    });
    const { event } = result;
    expect(Object.keys(event).sort()).toEqual(V2_TOP_LEVEL.filter((key) => key !== "body").sort());
    expect(Object.keys(event.requestContext).sort()).toEqual([...V2_REQUEST_CONTEXT].sort());
    expect(Object.keys(event.requestContext.http).sort()).toEqual([...V2_HTTP].sort());
    expect(event.version).toBe("2.0");
    expect(event.routeKey).toBe("GET /orgs/{orgId}/members/{userId}");
    expect(event.requestContext.routeKey).toBe(event.routeKey);
    expect(event.rawPath).toBe("/orgs/o-1/members/u-2");
    expect(event.rawQueryString).toBe("limit=5&tag=a&tag=b");
    expect(event.pathParameters).toEqual({ orgId: "o-1", userId: "u-2" });
    expect(event.isBase64Encoded).toBe(false);
    expect(typeof event.requestContext.timeEpoch).toBe("number");
    expect(event.requestContext.stage).toBe("$default");
    expect(event.requestContext.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    expect(event.requestContext.http).toMatchObject({
      method: "GET",
      path: "/orgs/o-1/members/u-2",
      protocol: "HTTP/1.1",
      sourceIp: "127.0.0.1",
    });
    expect(event.requestContext.http.userAgent).toBe(event.headers["user-agent"]);
  });

  it("joins repeated query keys with commas and decodes values, keeping rawQueryString as sent", async () => {
    const { echo: result } = await echo(
      "/echo?parameter1=value1&parameter1=value2&parameter2=value&q=caf%C3%A9%20au%20lait&flag",
    );
    expect(result.event.rawQueryString).toBe(
      "parameter1=value1&parameter1=value2&parameter2=value&q=caf%C3%A9%20au%20lait&flag",
    );
    expect(result.event.queryStringParameters).toEqual({
      parameter1: "value1,value2",
      parameter2: "value",
      q: "café au lait",
      flag: "",
    });
  });

  it("leaves out queryStringParameters, pathParameters, cookies and body when there are none", async () => {
    const { echo: result } = await echo("/echo");
    const { event } = result;
    expect(event).not.toHaveProperty("queryStringParameters");
    expect(event).not.toHaveProperty("pathParameters");
    expect(event).not.toHaveProperty("cookies");
    expect(event).not.toHaveProperty("body");
    expect(event.rawQueryString).toBe("");
    expect(event.isBase64Encoded).toBe(false);
  });

  it("lower-cases header names, joins repeats with commas and moves cookies to the cookies array", async () => {
    const answer = await raw(server.url, {
      path: "/echo",
      headers: {
        "X-Custom-Header": ["one", "two"],
        Accept: "application/json",
        Cookie: ["a=1", "b=2; c=3"],
        "User-Agent": "agent/1.0",
      },
    });
    const { event } = JSON.parse(answer.body.toString("utf8")) as Echo;
    expect(Object.keys(event.headers).every((name) => name === name.toLowerCase())).toBe(true);
    expect(event.headers["x-custom-header"]).toBe("one,two");
    expect(event.headers.accept).toBe("application/json");
    expect(event.headers).not.toHaveProperty("cookie");
    expect(event.cookies).toEqual(["a=1", "b=2", "c=3"]);
    expect(event.requestContext.http.userAgent).toBe("agent/1.0");
    expect(event.headers["x-forwarded-for"]).toBe("127.0.0.1");
    expect(event.headers["x-forwarded-proto"]).toBe("http");
    expect(event.headers["content-length"]).toBe("0");
  });

  it("passes JSON and text bodies as strings", async () => {
    const body = JSON.stringify({ a: 1, text: "héllo" });
    const { echo: result } = await echo("/echo", {
      method: "POST",
      body,
      headers: { "content-type": "application/json" },
    });
    expect(result.event.isBase64Encoded).toBe(false);
    expect(result.event.body).toBe(body);
    expect(result.event.headers["content-length"]).toBe(String(Buffer.byteLength(body)));
    expect(result.event.requestContext.http.method).toBe("POST");
  });

  it("base64-encodes binary bodies and bodies without a content type", async () => {
    const bytes = Buffer.from([0, 1, 2, 253, 254, 255]);
    const binary = await raw(server.url, {
      method: "POST",
      path: "/echo",
      headers: { "content-type": "application/octet-stream" },
      body: bytes,
    });
    const { event } = JSON.parse(binary.body.toString("utf8")) as Echo;
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body!, "base64")).toEqual(bytes);

    const untyped = await raw(server.url, { method: "POST", path: "/echo", body: Buffer.from("plain") });
    const untypedEvent = (JSON.parse(untyped.body.toString("utf8")) as Echo).event;
    expect(untypedEvent.isBase64Encoded).toBe(true);
    expect(Buffer.from(untypedEvent.body!, "base64").toString("utf8")).toBe("plain");
  });

  it("fills a greedy {proxy+} variable with the rest of the path, under ANY", async () => {
    const { echo: result } = await echo("/files/a/b%20c/d.txt", { method: "GET" });
    expect(result.event.routeKey).toBe("ANY /files/{proxy+}");
    expect(result.event.pathParameters).toEqual({ proxy: "a/b c/d.txt" });
  });

  it("gives the handler a Lambda context and answers with API Gateway's request id", async () => {
    const { response, echo: result } = await echo("/orgs/x/members/y");
    expect(result.context.functionName).toBe("voxguard-local-fixtures-echo");
    expect(result.context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.context.invokedFunctionArn).toMatch(
      /^arn:aws:lambda:[a-z0-9-]+:\d{12}:function:voxguard-local-fixtures-echo$/,
    );
    expect(result.context.remainingTimeInMillis).toBeGreaterThan(0);
    expect(result.context.remainingTimeInMillis).toBeLessThanOrEqual(20_000);
    expect(response.headers.get("apigw-requestid")).toBe(result.event.requestContext.requestId);
  });
});

describe("routing", () => {
  it("answers an unknown path 404 problem+json with the request id", async () => {
    const response = await fetch(`${server.url}/nowhere`, { headers: { "x-request-id": "trace-404" } });
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(response.headers.get("x-request-id")).toBe("trace-404");
    expect(await response.json()).toEqual({
      type: "about:blank",
      title: "Not Found",
      status: 404,
      detail: "No route for GET /nowhere",
      code: "not_found",
      requestId: "trace-404",
    });
  });

  it("uses API Gateway's request id when the client sends none", async () => {
    const response = await fetch(`${server.url}/orgs/o-1`);
    const problem = (await response.json()) as { requestId: string };
    expect(response.status).toBe(404);
    expect(problem.requestId).toBe(response.headers.get("x-request-id"));
    expect(problem.requestId).toBe(response.headers.get("apigw-requestid"));
  });

  it("answers a known path with the wrong method 405 with Allow", async () => {
    const response = await fetch(`${server.url}/echo`, { method: "PUT", body: "x" });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET, POST");
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(await response.json()).toMatchObject({
      status: 405,
      code: "method_not_allowed",
      title: "Method Not Allowed",
    });
  });
});

describe("the response a result becomes", () => {
  it("sends every cookie as its own Set-Cookie header, with the given status and headers", async () => {
    const response = await fetch(`${server.url}/answers/cookies`);
    expect(response.status).toBe(201);
    expect(response.headers.getSetCookie()).toEqual(["session=abc; HttpOnly; Path=/", "theme=dark; Max-Age=60"]);
    expect(response.headers.get("content-type")).toBe("text/plain");
    expect(response.headers.get("x-number")).toBe("42");
    expect(await response.text()).toBe("made");
  });

  it("decodes a base64 body", async () => {
    const response = await fetch(`${server.url}/answers/binary`);
    expect(response.headers.get("content-type")).toBe("application/octet-stream");
    expect(Buffer.from(await response.arrayBuffer())).toEqual(Buffer.from([0, 1, 2, 253, 254, 255]));
  });

  it("sends multiValueHeaders as repeated headers", async () => {
    const answer = await raw(server.url, { path: "/answers/multi-value" });
    expect(answer.headers["x-single"]).toBe("one");
    expect(answer.headers["x-multi"]).toBe("a,b");
  });

  it("sends 204 without a body", async () => {
    const response = await fetch(`${server.url}/answers/no-content`, { method: "DELETE" });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");
  });

  it("turns an object without statusCode into a 200 JSON answer", async () => {
    const response = await fetch(`${server.url}/answers/shorthand-object`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toEqual({ hello: "world", n: 1 });
  });

  it("turns a string into the body of a 200 JSON answer", async () => {
    const response = await fetch(`${server.url}/answers/shorthand-string`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.text()).toBe("Hello from Lambda!");
  });

  it("answers a function that threw with API Gateway's bare 502", async () => {
    const response = await fetch(`${server.url}/answers/throws`);
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({ message: "Internal Server Error" });
  });

  it("answers a result API Gateway can't use with 502", async () => {
    for (const target of ["/answers/malformed", "/answers/not-a-function", "/answers/missing-file"]) {
      const response = await fetch(`${server.url}${target}`);
      expect(response.status, target).toBe(502);
      expect(await response.json()).toEqual({ message: "Internal Server Error" });
    }
  });

  it("answers a function that outlives its timeout with 502", async () => {
    const response = await fetch(`${limited.url}/answers/slow`);
    expect(response.status).toBe(502);
  });
});

describe("request bodies", () => {
  it("hands bodies up to the limit to the handler", async () => {
    const response = await fetch(`${limited.url}/upload`, { method: "POST", body: "x".repeat(1024) });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ length: 1024 });
  });

  it("answers a larger body 413 problem+json without calling the handler", async () => {
    const response = await fetch(`${limited.url}/upload`, {
      method: "POST",
      body: "x".repeat(1025),
      headers: { "x-request-id": "big-1" },
    });
    expect(response.status).toBe(413);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(await response.json()).toMatchObject({ status: 413, code: "payload_too_large", requestId: "big-1" });
  });

  it("keeps serving after refusing a large body", async () => {
    const big = await fetch(`${limited.url}/upload`, { method: "POST", body: "y".repeat(50_000) });
    expect(big.status).toBe(413);
    await big.text();
    const next = await fetch(`${limited.url}/upload`, { method: "POST", body: "ok" });
    expect(next.status).toBe(200);
  });
});

describe("conversion rules", () => {
  it("parses query strings as payload 2.0 does", () => {
    expect(parseQueryString("")).toBeUndefined();
    expect(parseQueryString("a=1&a=2&b=&c")).toEqual({ a: "1,2", b: "", c: "" });
    expect(parseQueryString("bad=%E0%A4%A&x=%2F")).toEqual({ bad: "%E0%A4%A", x: "/" });
  });

  it("treats text, JSON, XML and JavaScript as text and the rest as binary", () => {
    for (const type of [
      "text/plain",
      "text/html; charset=utf-8",
      "application/json",
      "application/problem+json",
      "application/xml",
      "application/javascript",
    ]) {
      expect(isTextContentType(type), type).toBe(true);
    }
    for (const type of [
      undefined,
      "",
      "application/octet-stream",
      "image/png",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
    ]) {
      expect(isTextContentType(type), String(type)).toBe(false);
    }
  });

  it("formats requestContext.time like API Gateway", () => {
    expect(clfTime(Date.UTC(2020, 3, 21, 15, 8, 21))).toBe("21/Apr/2020:15:08:21 +0000");
  });

  it("serializes shorthand results and rejects malformed structured ones", () => {
    expect(normalizeResult(undefined).body.toString()).toBe("null");
    expect(normalizeResult([1, 2]).body.toString()).toBe("[1,2]");
    expect(() => normalizeResult({ statusCode: 200, body: { not: "a string" } })).toThrow(/body/);
    expect(() => normalizeResult({ statusCode: 99 })).toThrow(/statusCode/);
  });
});
