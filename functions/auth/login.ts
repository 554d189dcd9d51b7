import * as Auth from "@voxguard/core/auth";
import { route } from "../edge/route.ts";
import { login } from "../routes.ts";

export const handler = route(login, async ({ body, actor }) => ({
  status: 200,
  body: await Auth.login(actor, body),
}));
