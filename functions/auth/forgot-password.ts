import * as Account from "@voxguard/core/account";
import { route } from "../edge/route.ts";
import { forgotPassword } from "../routes.ts";

export const handler = route(forgotPassword, async ({ body, actor }) => ({
  status: 202,
  body: await Account.forgotPassword(actor, body),
}));
