import * as z from "../zod/index.ts";
import { SessionToken } from "../session/schema.ts";
import { Info as UserInfo } from "../user/schema.ts";

export const AuthResult = z.extend(SessionToken, { user: UserInfo });
export type AuthResult = z.infer<typeof AuthResult>;
