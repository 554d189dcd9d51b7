import { describe, expect, it } from "vitest";
import { reloadConfig } from "../config/index.ts";
import { hashPassword, hashingPeak, resetHashingPeak, verifyPassword } from "./index.ts";

describe("passwords", () => {
  it("hash with argon2id and OWASP's parameters, salted", async () => {
    const first = await hashPassword("correct horse battery staple");
    const second = await hashPassword("correct horse battery staple");
    expect(first).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(first).not.toBe(second);
    expect(await verifyPassword(first, "correct horse battery staple")).toBe(true);
    expect(await verifyPassword(first, "correct horse battery stapler")).toBe(false);
  });

  it("never match for an account without one, or a malformed hash", async () => {
    expect(await verifyPassword(null, "anything at all")).toBe(false);
    expect(await verifyPassword(undefined, "anything at all")).toBe(false);
    expect(await verifyPassword("not a hash", "anything at all")).toBe(false);
  });
});

describe("argon2 work in one process", () => {
  it("runs at most PASSWORD_HASH_CONCURRENCY at once and refuses beyond PASSWORD_HASH_QUEUE waiting", async () => {
    process.env.PASSWORD_HASH_CONCURRENCY = "1";
    process.env.PASSWORD_HASH_QUEUE = "2";
    reloadConfig();
    resetHashingPeak();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, () => hashPassword("correct horse battery staple")),
    );
    expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(3);
    for (const outcome of outcomes.filter((outcome) => outcome.status === "rejected")) {
      expect(outcome.reason).toMatchObject({ code: "rate_limited", retryAfter: 1 });
    }
    expect(hashingPeak()).toBe(1);
    // The slots are free again afterwards.
    expect(await verifyPassword(await hashPassword("another passphrase"), "another passphrase")).toBe(true);
  });
});
