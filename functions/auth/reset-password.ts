import * as Account from "@voxguard/core/account";
import { route } from "../edge/route.ts";
import { resetPassword } from "../routes.ts";

export const handler = route(resetPassword, async ({ body, actor }) => ({
  status: 200,
  body: await Account.resetPassword(actor, body),
}));
