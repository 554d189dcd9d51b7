import * as z from "@voxguard/core/zod";
import { routes } from "../routes.ts";
import { STATUS } from "./problem.ts";
import { loadSchemas, type RouteDefinition, type RouteSchemas } from "./route-definition.ts";

type JsonSchema = Record<string, unknown>;

const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().check(z.int()),
  detail: z.string(),
  code: z.enum(Object.keys(STATUS) as [string, ...string[]]),
  errors: z.optional(z.array(z.object({ path: z.string(), message: z.string() }))),
  requestId: z.string(),
});

function schemaOf(schema: z.ZodMiniType, io: "input" | "output"): JsonSchema {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as JsonSchema;
  return rest;
}

function parameters(schema: z.ZodMiniObject | undefined, where: "path" | "query") {
  if (!schema) return [];
  const json = schemaOf(schema, "input") as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === "path" || (json.required ?? []).includes(name),
    schema: property,
  }));
}

function operation(key: string, route: RouteDefinition, schemas: RouteSchemas) {
  const responses: Record<string, unknown> = {};
  for (const [status, schema] of Object.entries(schemas.responses)) {
    responses[status] = schema
      ? { description: `HTTP ${status}`, content: { "application/json": { schema: schemaOf(schema, "output") } } }
      : { description: `HTTP ${status}, no body` };
  }
  responses.default = { description: "A problem (RFC 9457)", content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } } };
  return {
    operationId: key.replace(/[^A-Za-z0-9]+/g, "_").replace(/^_|_$/g, ""),
    summary: route.summary,
    ...(route.auth === "none" ? { security: [] } : {}),
    parameters: [...parameters(schemas.params, "path"), ...parameters(schemas.query, "query")],
    ...(schemas.body ? { requestBody: { required: true, content: { "application/json": { schema: schemaOf(schemas.body, "input") } } } } : {}),
    responses,
  };
}

let document: JsonSchema | undefined;

/**
 * OpenAPI 3.1, built from the route table's zod schemas (JSON Schema 2020-12 is 3.1's dialect): the
 * one function that loads every route's schemas.
 */
export async function openApiDocument(): Promise<JsonSchema> {
  if (document) return document;
  const table = routes as Record<string, RouteDefinition>;
  const schemas = await loadSchemas(table);
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [key, route] of Object.entries(table)) {
    const [method, path] = key.split(" ") as [string, string];
    (paths[path] ??= {})[method.toLowerCase()] = operation(key, route, schemas[key]!);
  }
  document = {
    openapi: "3.1.0",
    info: { title: "VoxGuard API", version: "1.0.0", description: "Identity, tenancy and audit core of VoxGuard." },
    servers: [{ url: "/" }],
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "A session token from /auth/login" } },
      schemas: { Problem: schemaOf(Problem, "output") },
    },
  };
  return document;
}
