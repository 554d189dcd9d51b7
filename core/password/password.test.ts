import { describe, expect, it } from "vitest";
import { hashPassword, verifyPassword } from "./index.ts";

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
