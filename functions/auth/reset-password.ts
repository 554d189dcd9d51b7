import * as Account from "@voxguard/core/account";
import { route } from "../edge/route.ts";

export const handler = route("POST /auth/password/reset", async ({ body, actor }) => ({
  status: 200,
  body: await Account.resetPassword(actor, body),
}));
