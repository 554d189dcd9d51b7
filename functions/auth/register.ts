import * as Auth from "@voxguard/core/auth";
import { route } from "../edge/route.ts";
import { register } from "../routes.ts";

export const handler = route(register, async ({ body, actor }) => ({
  status: 201,
  body: await Auth.register(actor, body),
}));
