import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeCache } from "@voxguard/core/cache";
import { reloadConfig } from "@voxguard/core/config";
import { closeDb } from "@voxguard/core/db";
import * as Account from "@voxguard/core/account";
import { uniqueEmail } from "../../test-support/identity.ts";

beforeAll(() => {
  process.env.PASSWORD_FORGOT_LIMIT_PER_IP = "3";
  process.env.PASSWORD_FORGOT_LIMIT_PER_ACCOUNT = "100";
  // No mail here: what is limited is the request, whatever happens to its mail.
  delete process.env.MAIL_FROM;
  reloadConfig();
});

afterAll(async () => {
  await closeCache();
  await closeDb();
});

describe("Account.forgotPassword", () => {
  it("limits one client IP across addresses, and not another IP", async () => {
    const ip = `198.51.100.${Math.floor(Math.random() * 250) + 1}`;
    for (let i = 0; i < 3; i++)
      await expect(Account.forgotPassword({ type: "public", ip }, { email: uniqueEmail("ip") })).resolves.toEqual(
        Account.FORGOT_ANSWER,
      );
    await expect(Account.forgotPassword({ type: "public", ip }, { email: uniqueEmail("ip") })).rejects.toMatchObject({
      code: "rate_limited",
      retryAfter: expect.any(Number),
    });
    await expect(
      Account.forgotPassword({ type: "public", ip: "2001:db8::17" }, { email: uniqueEmail("ip") }),
    ).resolves.toEqual(Account.FORGOT_ANSWER);
  });

  it("refuses a malformed address as a validation error, known or not", async () => {
    await expect(Account.forgotPassword({ type: "public" }, { email: "not an email" })).rejects.toMatchObject({
      code: "validation_failed",
    });
    await expect(
      Account.forgotPassword({ type: "public" }, { email: `${"a".repeat(250)}@example.test` }),
    ).rejects.toMatchObject({ code: "validation_failed" });
  });
});
