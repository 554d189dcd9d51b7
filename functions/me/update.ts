import * as User from "@voxguard/core/user";
import { route } from "../edge/route.ts";
import { updateMe } from "../routes.ts";

export const handler = route(updateMe, async ({ body, actor }) => ({
  status: 200,
  body: { user: await User.update(actor, body) },
}));
