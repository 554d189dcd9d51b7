import * as User from "@voxguard/core/user";
import { route } from "../edge/route.ts";

export const handler = route("PATCH /me", async ({ body, actor }) => ({
  status: 200,
  body: { user: await User.update(actor, body) },
}));
