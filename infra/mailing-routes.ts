// No SST globals here: infra/infra.test.ts reads this list without evaluating the infra.

/**
 * The routes whose requests cause a mail. They enqueue; should the queue be unreachable they send
 * from the request instead, so they may send too (on this identity only).
 */
export const MAILING_ROUTES: ReadonlySet<string> = new Set([
  "POST /auth/register",
  "POST /auth/email/resend",
  "POST /auth/password/forgot",
  "POST /auth/password/reset",
  "POST /me/password",
  "POST /orgs/{orgId}/invitations",
]);
