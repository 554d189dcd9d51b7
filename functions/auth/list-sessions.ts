import * as Session from "@voxguard/core/session";
import { route } from "../edge/route.ts";

export const handler = route("GET /auth/sessions", async ({ actor }) => ({
  status: 200,
  body: { items: await Session.list(actor) },
}));
