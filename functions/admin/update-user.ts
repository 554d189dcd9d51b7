import * as User from "@voxguard/core/user";
import { route } from "../edge/route.ts";

export const handler = route("PATCH /admin/users/{userId}", async ({ params, body, actor }) => ({
  status: 200,
  body: { user: await User.adminUpdate(actor, params, body) },
}));
