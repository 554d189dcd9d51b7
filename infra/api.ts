import { routes } from "../functions/routes.ts";
import { auditSealVerification } from "./audit-seal.ts";
import { migration } from "./database.ts";
import { addEnvironment, applyFunctionDefaults } from "./function-defaults.ts";
import { auditQueue } from "./queue.ts";

// One function per entry of the route table, read from it rather than retyped. Every route's
// function waits for the deploy's migration: backward-compatible schema first, then code.
export const api = new sst.aws.ApiGatewayV2(
  "Api",
  {
    link: [auditQueue],
    transform: {
      route: {
        handler: (args, opts) => {
          addEnvironment(args, { AUDIT_QUEUE_URL: auditQueue.url, ...auditSealVerification });
          applyFunctionDefaults(args);
          if (migration) opts.dependsOn = [migration];
          return undefined;
        },
      },
    },
  },
  { dependsOn: migration ? [migration] : [] },
);

for (const [routeKey, route] of Object.entries(routes)) {
  api.route(routeKey, { handler: route.handler });
}
