import * as Auth from "@voxguard/core/auth";
import { route } from "../edge/route.ts";

export const handler = route("POST /auth/login", async ({ body, actor }) => ({
  status: 200,
  body: await Auth.login(actor, body),
}));
