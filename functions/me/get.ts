import * as User from "@voxguard/core/user";
import { route } from "../edge/route.ts";

export const handler = route("GET /me", async ({ actor }) => ({
  status: 200,
  body: { user: await User.me(actor) },
}));
