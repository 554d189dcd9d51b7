import * as Session from "@voxguard/core/session";
import { route } from "../edge/route.ts";
import { revokeSession } from "../routes.ts";

export const handler = route(revokeSession, async ({ params, actor }) => {
  await Session.remove(actor, params);
  return { status: 204 };
});
