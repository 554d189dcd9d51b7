import * as Session from "@voxguard/core/session";
import { route } from "../edge/route.ts";
import { listSessions } from "../routes.ts";

export const handler = route(listSessions, async ({ actor }) => ({
  status: 200,
  body: { items: await Session.list(actor) },
}));
