import { publishedKeys } from "@voxguard/core/audit-seal";
import { route } from "../edge/route.ts";
import { auditKeys } from "../routes.ts";

export const handler = route(auditKeys, async () => ({
  status: 200,
  body: publishedKeys(),
}));
