import { describe, expect, it } from "vitest";
import { db } from "@voxguard/core/db";
import { hashingPeak, resetHashingPeak } from "@voxguard/core/password";
import { postFrom, type SourcedAnswer } from "../../test-support/http.ts";
import { PASSWORD, uniqueEmail } from "../../test-support/identity.ts";
import { auditWhere } from "../../test-support/tenancy.ts";
import { useApi } from "../../test-support/use-api.ts";

const LIMIT = 5;
const api = useApi({
  env: {
    CACHE_KEY_PREFIX: `${process.env.CACHE_KEY_PREFIX}register-limits:`,
    REGISTER_LIMIT_PER_IP: String(LIMIT),
    REGISTER_LIMIT_WINDOW_SECONDS: "3600",
    PASSWORD_HASH_CONCURRENCY: "2",
  },
});

function registerFrom(
  localAddress: string,
  email: string,
): Promise<SourcedAnswer<{ code?: string; user?: { id: string } }>> {
  return postFrom(api, localAddress, "/auth/register", { email, password: PASSWORD, displayName: "Flood" });
}

describe("registrations", () => {
  it("are limited per address: of 40 sent at once at most the limit succeed, the rest get 429 and create nothing", async () => {
    const emails = Array.from({ length: 40 }, () => uniqueEmail("flood"));
    const answers = await Promise.all(emails.map((email) => registerFrom("127.0.1.2", email)));
    const created = answers.filter((answer) => answer.status === 201);
    const refused = answers.filter((answer) => answer.status === 429);
    expect(created.length + refused.length).toBe(40);
    expect(created.length).toBeLessThanOrEqual(LIMIT);
    for (const answer of refused) {
      expect(answer.body.code).toBe("rate_limited");
      expect(Number(answer.retryAfter)).toBeGreaterThan(3590);
    }
    const rows = await db().selectFrom("users").select("id").where("email", "in", emails).execute();
    expect(rows).toHaveLength(created.length);
    // Another address is not affected.
    expect((await registerFrom("127.0.1.3", uniqueEmail())).status).toBe(201);
    // The refusals left a bounded trail.
    const events = await auditWhere({ action: "auth.rate_limited", ipAddress: "127.0.1.2" });
    expect(events.length).toBeGreaterThanOrEqual(1);
    expect(events.length).toBeLessThanOrEqual(4);
    for (const event of events) expect(event.details).toMatchObject({ limit: "register-ip" });
  });

  it("hash at most PASSWORD_HASH_CONCURRENCY passwords at once in a process, however many arrive", async () => {
    resetHashingPeak();
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => registerFrom(`127.0.2.${i + 2}`, uniqueEmail("parallel"))),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(12).fill(201));
    expect(hashingPeak()).toBeGreaterThanOrEqual(1);
    expect(hashingPeak()).toBeLessThanOrEqual(2);
  });
});
