import * as Account from "@voxguard/core/account";
import { route } from "../edge/route.ts";
import { resendVerification } from "../routes.ts";

export const handler = route(resendVerification, async ({ actor }) => ({
  status: 202,
  body: await Account.resendVerification(actor),
}));
