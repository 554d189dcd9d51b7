import * as User from "@voxguard/core/user";
import { route } from "../edge/route.ts";

export const handler = route("POST /me/password", async ({ body, actor }) => ({
  status: 200,
  body: await User.changePassword(actor, body),
}));
