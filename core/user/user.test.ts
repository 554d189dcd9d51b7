import { afterAll, describe, expect, it } from "vitest";
import { uniqueEmail, PASSWORD } from "../../test-support/identity.ts";
import * as Cache from "../cache/index.ts";
import { closeDb, db } from "../db/index.ts";
import { verifyPassword } from "../password/index.ts";
import * as User from "./index.ts";

afterAll(async () => {
  await Cache.closeCache();
  await closeDb();
});

describe("users", () => {
  it("are created with a lower-cased email and an argon2id hash, and found by either case", async () => {
    const email = uniqueEmail("MixedCase").toUpperCase();
    const user = await User.create({ type: "public" }, { email, password: PASSWORD, displayName: "Mixed" });
    expect(user.email).toBe(email.toLowerCase());
    expect((await User.fromEmail(email))?.id).toBe(user.id);
    expect((await User.fromID(user.id))?.email).toBe(email.toLowerCase());
    const row = await db()
      .selectFrom("users")
      .select("password_hash")
      .where("id", "=", user.id)
      .executeTakeFirstOrThrow();
    expect(await verifyPassword(row.password_hash, PASSWORD)).toBe(true);
    expect(await verifyPassword(row.password_hash, `${PASSWORD}!`)).toBe(false);
  });

  it("can't share an email", async () => {
    const email = uniqueEmail();
    await User.create({ type: "public" }, { email, password: PASSWORD, displayName: "One" });
    await expect(
      User.create({ type: "public" }, { email, password: PASSWORD, displayName: "Two" }),
    ).rejects.toMatchObject({ code: "email_taken" });
  });

  it("are validated at the operation, not only at the edge", async () => {
    await expect(
      User.create({ type: "public" }, { email: "nope", password: "short", displayName: "" }),
    ).rejects.toMatchObject({
      code: "validation_failed",
      errors: expect.arrayContaining([
        expect.objectContaining({ path: "email" }),
        expect.objectContaining({ path: "password" }),
      ]),
    });
  });

  it("answer their own profile from the session's copy, else from the database", async () => {
    const user = await User.create(
      { type: "public" },
      { email: uniqueEmail(), password: PASSWORD, displayName: "Stored" },
    );
    // As a script builds it: no profile, so the database answers.
    const actor = { type: "user" as const, userId: user.id, sessionId: user.id, role: "user" as const };
    expect(await User.me(actor)).toEqual(user);
    await User.update(actor, { displayName: "Renamed" });
    expect((await User.me(actor)).displayName).toBe("Renamed");
    const profile = {
      email: user.email,
      displayName: "From the session",
      emailVerified: false,
      createdAt: user.createdAt,
      updatedAt: user.updatedAt,
    };
    expect(await User.me({ ...actor, profile })).toEqual({ ...user, displayName: "From the session" });
  });
});
