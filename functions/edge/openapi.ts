import * as z from "@voxguard/core/zod";
import { routeSchemas } from "../responses.ts";
import { routes } from "../routes.ts";
import { STATUS } from "./problem.ts";
import type { ExampleContext, RouteDefinition, RouteExample, RouteSchemas } from "./route-definition.ts";

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

/** What the documented examples are made of. */
export const SAMPLE: ExampleContext = {
  params: {
    orgId: "01936f3e-8b1c-7a52-9d3e-4f5a6b7c8d9e",
    resourceId: "01936f3e-9c2d-7b63-8e4f-5a6b7c8d9e0f",
    userId: "01936f3e-7a0b-7941-8c2d-3e4f5a6b7c8d",
    sessionId: "01936f3e-6f9a-7830-9b1c-2d3e4f5a6b7c",
    invitationId: "01936f3e-ad3e-7c74-9f50-6b7c8d9e0f1a",
  },
  email: "jane@example.com",
  password: "correct horse battery staple",
  unique: "7d3f9c2a",
  tokens: {
    verify: "q5n1Yb0V3Xw8dT2kJm7R4sLh9Pc6Ez1A",
    reset: "Lr8Kp2Vd6Nq0Xs4Hw9Bt3Fj7Mc1Zg5Ye",
    invitation: "Tg4Wm9Ck2Rb7Xp1Ld6Nv3Hs8Qf0Jz5Ua",
  },
};

function schemaOf(schema: z.ZodMiniType, io: "input" | "output"): JsonSchema {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as JsonSchema;
  return rest;
}

function parameters(
  schema: z.ZodMiniObject | undefined,
  where: "path" | "query",
  examples: Record<string, string | undefined>,
) {
  if (!schema) return [];
  const json = schemaOf(schema, "input") as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === "path" || (json.required ?? []).includes(name),
    schema: property,
    ...(examples[name] !== undefined ? { example: examples[name] } : {}),
  }));
}

function operation(key: string, route: RouteDefinition, schemas: RouteSchemas) {
  const example: RouteExample = route.example?.(SAMPLE) ?? {};
  const responses: Record<string, unknown> = {};
  for (const [status, schema] of Object.entries(schemas.responses)) {
    responses[status] = schema
      ? { description: `HTTP ${status}`, content: { "application/json": { schema: schemaOf(schema, "output") } } }
      : { description: `HTTP ${status}, no body` };
  }
  responses.default = {
    description: "A problem (RFC 9457)",
    content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
  };
  return {
    operationId: key.replace(/[^A-Za-z0-9]+/g, "_").replace(/^_|_$/g, ""),
    summary: route.summary,
    ...(route.auth === "none" ? { security: [] } : {}),
    parameters: [
      ...parameters(schemas.params, "path", SAMPLE.params),
      ...parameters(schemas.query, "query", example.query ?? {}),
    ],
    ...(schemas.body
      ? {
          requestBody: {
            required: true,
            content: {
              "application/json": {
                schema: schemaOf(schemas.body, "input"),
                ...(example.body !== undefined ? { example: example.body } : {}),
              },
            },
          },
        }
      : {}),
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
  const schemas = routeSchemas(table);
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
