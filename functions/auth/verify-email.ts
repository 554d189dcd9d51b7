import * as Account from "@voxguard/core/account";
import { route } from "../edge/route.ts";
import { verifyEmail } from "../routes.ts";

export const handler = route(verifyEmail, async ({ body, actor }) => ({
  status: 200,
  body: { user: await Account.verifyEmail(actor, body) },
}));
