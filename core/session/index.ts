// A session: issued at login (create), checked on every request (authenticate), listed and
// revoked by its user (list, remove, ...), and swept once expired (removeExpired).
export { Info, List, Params, SessionToken } from "./schema.ts";
export { hashToken, type Origin } from "./cache-entry.ts";
export { create, type CreatedSession, type SessionUser } from "./create.ts";
export { authenticate, type AuthenticateHooks } from "./authenticate.ts";
export { list } from "./list.ts";
export { logout, refreshForUser, remove, removeAllForUser, removeOthers } from "./revoke.ts";
export {
  MAX_CLEANUP_BATCH,
  removeExpired,
  type RemoveExpiredOptions,
  type RemoveExpiredResult,
} from "./remove-expired.ts";
