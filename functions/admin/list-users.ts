import * as User from "@voxguard/core/user";
import { route } from "../edge/route.ts";
import { listUsers } from "../routes.ts";

export const handler = route(listUsers, async ({ query, actor }) => ({
  status: 200,
  body: await User.list(actor, query),
}));
