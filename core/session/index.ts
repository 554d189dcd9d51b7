import type { UserActor } from "../actor/index.ts";
import { VisibleError } from "../error/index.ts";

export interface Origin {
  ip?: string | undefined;
  userAgent?: string | undefined;
}

/** Placeholder until the identity work lands: no token validates. */
export async function authenticate(_token: string, _origin: Origin): Promise<UserActor> {
  throw new VisibleError("unauthorized", "The session is missing, expired or revoked");
}
