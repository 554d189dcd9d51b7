import * as Account from "@voxguard/core/account";
import { route } from "../edge/route.ts";

export const handler = route("POST /auth/password/forgot", async ({ body, actor }) => ({
  status: 202,
  body: await Account.forgotPassword(actor, body),
}));
