import { CORS_ALLOW_HEADERS, CORS_EXPOSE_HEADERS, CORS_MAX_AGE_SECONDS } from "../functions/edge/cors.ts";
import { routes } from "../functions/routes.ts";
import { migration } from "./database.ts";
import { addEnvironment, addLinks, applyFunctionDefaults } from "./function-defaults.ts";
import { grant, readQueueAttributes, sendMessages, writeExports, type Permission } from "./permissions.ts";
import { addMailAccess } from "./mail.ts";
import { auditQueue } from "./queue.ts";
import { auditSealPublicKeys } from "./secrets.ts";
import { settings } from "./settings.ts";
import { storage } from "./storage.ts";

type RouteKey = keyof typeof routes;
type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS";

const methodOf = (routeKey: string) => routeKey.slice(0, routeKey.indexOf(" ")) as Method;

// What a route does beyond the database and the cache. Every route that changes something emits
// audit events (SendMessageBatch); reads emit none.
const EXPORT: RouteKey = "POST /orgs/{orgId}/audit/exports";
const HEALTH: RouteKey = "GET /health";
// The routes that read the seals' public keys (publish them, verify with them). No route gets the
// private key: only the sealer does (audit-seal.ts).
const SEAL_KEY_READERS: RouteKey[] = ["GET /.well-known/voxguard-audit-keys.json", "GET /orgs/{orgId}/audit/verify"];

function permissionsOf(routeKey: string): Permission[] {
  const permissions: Permission[] = [];
  if (methodOf(routeKey) !== "GET") permissions.push(sendMessages(auditQueue.arn));
  if (routeKey === HEALTH) permissions.push(readQueueAttributes(auditQueue.arn));
  return permissions;
}

// API Gateway answers CORS itself (preflights included) and then ignores the functions' CORS
// headers, so the allowed origins go here, from the same stage setting as CORS_ORIGINS.
const cors: sst.aws.ApiGatewayV2Args["cors"] =
  settings.corsOrigins.length === 0
    ? false
    : {
        allowOrigins: settings.corsOrigins,
        allowMethods: [...new Set(Object.keys(routes).map(methodOf))],
        allowHeaders: CORS_ALLOW_HEADERS,
        exposeHeaders: CORS_EXPOSE_HEADERS,
        maxAge: `${CORS_MAX_AGE_SECONDS} seconds`,
      };

// One function per entry of the route table, read from it rather than retyped. Each waits for the
// deploy's migration (function-defaults.ts), and so does the API itself.
export const api = new sst.aws.ApiGatewayV2("Api", { cors }, { dependsOn: migration ? [migration] : [] });

for (const [routeKey, route] of Object.entries(routes)) {
  const args: sst.aws.FunctionArgs = { handler: route.handler };
  applyFunctionDefaults(args);
  addEnvironment(args, { AUDIT_QUEUE_URL: auditQueue.url, CORS_ORIGINS: settings.corsOrigins.join(",") });
  grant(args, ...permissionsOf(routeKey));
  if (routeKey === EXPORT) storage.attach(args, writeExports);
  if (SEAL_KEY_READERS.includes(routeKey as RouteKey)) addLinks(args, [auditSealPublicKeys]);
  addMailAccess(routeKey, args);
  api.route(routeKey, args);
}
