import * as Auth from "@voxguard/core/auth";
import { route } from "../edge/route.ts";

export const handler = route("POST /auth/register", async ({ body, actor }) => ({
  status: 201,
  body: await Auth.register(actor, body),
}));
