import * as User from "@voxguard/core/user";
import { route } from "../edge/route.ts";
import { changePassword } from "../routes.ts";

export const handler = route(changePassword, async ({ body, actor }) => ({
  status: 200,
  body: await User.changePassword(actor, body),
}));
