import * as User from "@voxguard/core/user";
import { route } from "../edge/route.ts";
import { getMe } from "../routes.ts";

export const handler = route(getMe, async ({ actor }) => ({
  status: 200,
  body: { user: await User.me(actor) },
}));
