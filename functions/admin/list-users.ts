import * as User from "@voxguard/core/user";
import { route } from "../edge/route.ts";

export const handler = route("GET /admin/users", async ({ query, actor }) => ({
  status: 200,
  body: await User.list(actor, query),
}));
