import { randomUUID } from "node:crypto";
import middy, { type MiddlewareObj } from "@middy/core";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import type * as z from "@voxguard/core/zod";
import type { Actor, UserActor } from "@voxguard/core/actor";
import { config } from "@voxguard/core/config";
import { log, logsAt } from "@voxguard/core/log";
import { identify } from "./authenticate.ts";
import { readJsonBody } from "./body.ts";
import { withCommonHeaders } from "./headers.ts";
import { toProblem } from "./problem.ts";
import type { RequestSchemas, RouteDefinition } from "./route-definition.ts";
import { validate } from "./validate.ts";

type SchemasOf<D extends RouteDefinition> = D["request"];
type Parsed<S, Part extends string> = S extends { [P in Part]: infer T extends z.ZodMiniType }
  ? z.output<T>
  : undefined;

export interface ApiRequest<D extends RouteDefinition> {
  params: Parsed<SchemasOf<D>, "params">;
  query: Parsed<SchemasOf<D>, "query">;
  body: Parsed<SchemasOf<D>, "body">;
  actor: D["auth"] extends "none" ? Actor : UserActor;
  requestId: string;
  event: APIGatewayProxyEventV2;
  context: Context;
}

export interface ApiResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

type Result = APIGatewayProxyStructuredResultV2;
interface EdgeContext extends Context {
  requestId: string;
  startedAt: number;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Request id, access log, common headers and the problem+json answer for every failure. */
function edge(routeKey: string): MiddlewareObj<APIGatewayProxyEventV2, Result, Error, EdgeContext> {
  const finish = (request: { event: APIGatewayProxyEventV2; context: EdgeContext; response?: Result | null }) => {
    const { event, context } = request;
    const response = request.response ?? { statusCode: 204 };
    response.headers = withCommonHeaders(response.headers, context.requestId, event.headers?.origin);
    request.response = response;
    if (logsAt("INFO")) {
      log.info("request", {
        routeKey,
        status: response.statusCode,
        ms: Date.now() - context.startedAt,
        requestId: context.requestId,
      });
    }
  };
  return {
    before: ({ event, context }) => {
      const incoming = event.headers?.["x-request-id"];
      context.requestId =
        incoming && REQUEST_ID.test(incoming) ? incoming : event.requestContext?.requestId || randomUUID();
      context.startedAt = Date.now();
    },
    after: finish,
    onError: (request) => {
      const { problem, headers, unexpected } = toProblem(request.error, request.context.requestId);
      if (unexpected)
        log.error("unexpected error", {
          routeKey,
          requestId: request.context.requestId,
          error: request.error as Error,
        });
      request.response = {
        statusCode: problem.status,
        headers: { ...headers, "content-type": "application/problem+json" },
        body: JSON.stringify(problem),
      };
      finish(request);
    },
  };
}

function toResult(result: ApiResult): Result {
  if (result.body === undefined) return { statusCode: result.status, headers: result.headers ?? {} };
  return {
    statusCode: result.status,
    headers: { "content-type": "application/json", ...result.headers },
    body: JSON.stringify(result.body),
  };
}

/**
 * The one HTTP stack: a handler file is `export const handler = route(createOrg, fn)`, with its own
 * route's definition from functions/routes.ts. Auth, body limits, JSON and schema validation come
 * from that definition, so the route table, the deployed API and the OpenAPI document can never
 * disagree. The handler carries its route key (`routeKey`): a test checks it against the table
 * entry that deploys the file, so a handler can't serve one route with another's definition.
 */
export function route<const D extends RouteDefinition>(
  definition: D,
  fn: (request: ApiRequest<D>) => Promise<ApiResult>,
) {
  const key = definition.key;
  // Read at init: a Lambda with a missing or malformed variable fails to start, with one clear line.
  config();
  const schemas: RequestSchemas = definition.request ?? {};
  const handler = middy<APIGatewayProxyEventV2, Result, Error, EdgeContext>()
    .use(edge(key))
    .handler(async (event, context) => {
      const json = readJsonBody(event);
      const actor = await identify(definition.auth, event);
      const params = schemas.params ? validate(schemas.params, event.pathParameters ?? {}, "path") : undefined;
      const query = schemas.query ? validate(schemas.query, event.queryStringParameters ?? {}, "query") : undefined;
      const body = schemas.body ? validate(schemas.body, json, "body") : undefined;
      const request = { params, query, body, actor, requestId: context.requestId, event, context };
      return toResult(await fn(request as unknown as ApiRequest<D>));
    });
  return Object.assign(handler, { routeKey: key as D["key"] });
}
