import { publishedKeys } from "@voxguard/core/audit-seal";
import { route } from "../edge/route.ts";

export const handler = route("GET /.well-known/voxguard-audit-keys.json", async () => ({
  status: 200,
  body: publishedKeys(),
}));
