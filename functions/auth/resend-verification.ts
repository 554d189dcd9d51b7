import * as Account from "@voxguard/core/account";
import { route } from "../edge/route.ts";

export const handler = route("POST /auth/email/resend", async ({ actor }) => ({
  status: 202,
  body: await Account.resendVerification(actor),
}));
