import * as User from "@voxguard/core/user";
import { route } from "../edge/route.ts";
import { updateUser } from "../routes.ts";

export const handler = route(updateUser, async ({ params, body, actor }) => ({
  status: 200,
  body: { user: await User.adminUpdate(actor, params, body) },
}));
