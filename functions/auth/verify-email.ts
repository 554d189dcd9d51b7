import * as Account from "@voxguard/core/account";
import { route } from "../edge/route.ts";

export const handler = route("POST /auth/email/verify", async ({ body, actor }) => ({
  status: 200,
  body: { user: await Account.verifyEmail(actor, body) },
}));
