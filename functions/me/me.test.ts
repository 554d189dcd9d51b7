import { describe, expect, it } from "vitest";
import { db } from "@voxguard/core/db";
import { PASSWORD, signUp } from "../../test-support/identity.ts";
import { useApi } from "../../test-support/use-api.ts";

const api = useApi();

async function auditOf(userId: string, action: string) {
  return db().selectFrom("audit_log").selectAll().where("user_id", "=", userId).where("action", "=", action).execute();
}

describe("PATCH /me", () => {
  it("changes the display name and records before and after", async () => {
    const { token, user } = await signUp(api, { displayName: "Before" });
    // Read first, so the change has to get past a cached copy.
    expect((await api.request("GET", "/me", { token })).body.user.displayName).toBe("Before");
    const answer = await api.request("PATCH", "/me", { token, body: { displayName: "  After  " } });
    expect(answer.status).toBe(200);
    expect(answer.body.user).toMatchObject({ id: user.id, displayName: "After" });
    expect(Date.parse(answer.body.user.updatedAt)).toBeGreaterThanOrEqual(Date.parse(user.updatedAt));
    expect((await api.request("GET", "/me", { token })).body.user.displayName).toBe("After");

    const [event] = await auditOf(user.id, "user.updated");
    expect(event).toMatchObject({
      resource_type: "user",
      resource_id: user.id,
      details: { before: { displayName: "Before" }, after: { displayName: "After" } },
    });
  });

  it("shows the new name at once to every session of the user, each read first so it is cached", async () => {
    const { token, email } = await signUp(api, { displayName: "Old Name" });
    const other = (await api.request("POST", "/auth/login", { body: { email, password: PASSWORD } })).body
      .token as string;
    for (const session of [token, other])
      expect((await api.request("GET", "/me", { token: session })).body.user.displayName).toBe("Old Name");

    const renamed = await api.request("PATCH", "/me", { token, body: { displayName: "New Name" } });
    expect(renamed.status).toBe(200);
    for (const session of [token, other]) {
      const me = await api.request("GET", "/me", { token: session });
      expect(me.status).toBe(200);
      expect(me.body.user).toEqual(renamed.body.user);
      // Twice: the read after the invalidation must not have brought the old copy back.
      expect((await api.request("GET", "/me", { token: session })).body.user).toEqual(renamed.body.user);
    }
  });

  it("records nothing when nothing changed", async () => {
    const { token, user } = await signUp(api, { displayName: "Same" });
    expect((await api.request("PATCH", "/me", { token, body: { displayName: "Same" } })).status).toBe(200);
    expect(await auditOf(user.id, "user.updated")).toHaveLength(0);
  });

  it("rejects an empty or missing display name", async () => {
    const { token } = await signUp(api);
    for (const body of [{ displayName: "" }, {}, { displayName: 42 }]) {
      const answer = await api.request("PATCH", "/me", { token, body });
      expect(answer.status).toBe(400);
      expect(answer.body.errors[0].path).toBe("body.displayName");
    }
  });
});

describe("display names", () => {
  // Terminal escapes, bidi overrides and invisible characters in a name other members see.
  const hostile = [
    "a\u0007\u001b[31mred",
    "line\nbreak",
    "c1\u0085control",
    "evil\u202egnp.exe",
    "isolate\u2067x\u2069",
    "zero\u200bwidth",
    "bom\ufeffname",
    "word\u2060joiner",
    "trailing joiner\u200d",
    "\u200cleading non-joiner",
    "para\u2029graph",
  ];

  it("refuse control, bidi and zero-width characters, on registration and on PATCH /me, changing nothing", async () => {
    const { token, user } = await signUp(api, { displayName: "Plain" });
    for (const displayName of hostile) {
      const patched = await api.request("PATCH", "/me", { token, body: { displayName } });
      expect(patched.status, JSON.stringify(displayName)).toBe(400);
      expect(patched.body.code).toBe("validation_failed");
      expect(patched.body.errors[0].path).toBe("body.displayName");
      const registered = await api.request("POST", "/auth/register", {
        body: { email: `${user.id}-${hostile.indexOf(displayName)}@example.test`, password: PASSWORD, displayName },
      });
      expect(registered.status, JSON.stringify(displayName)).toBe(400);
      expect(registered.body.code).toBe("validation_failed");
    }
    expect((await api.request("GET", "/me", { token })).body.user.displayName).toBe("Plain");
    expect(await auditOf(user.id, "user.updated")).toHaveLength(0);
  });

  it("keep letters of every script, joiners inside words and emoji sequences, normalised to NFC", async () => {
    const { token } = await signUp(api);
    const names = [
      "Σωκράτης",
      "李小龍",
      "محمد علی",
      "देवनागरी",
      "Ñandú",
      "می\u200cخواهم",
      "👩\u200d💻 Dev",
      "Zoë O'Brien-Łukasiewicz",
    ];
    for (const displayName of names) {
      const answer = await api.request("PATCH", "/me", { token, body: { displayName } });
      expect(answer.status, JSON.stringify(displayName)).toBe(200);
      expect(answer.body.user.displayName).toBe(displayName.normalize("NFC"));
    }
    // A decomposed é (e + combining acute) is stored composed, so two spellings can't look alike.
    const decomposed = await api.request("PATCH", "/me", { token, body: { displayName: "Rene\u0301e" } });
    expect(decomposed.status).toBe(200);
    expect(decomposed.body.user.displayName).toBe("Ren\u00e9e");
    const { user } = await signUp(api, { displayName: "Jose\u0301" });
    expect(user.displayName).toBe("Jos\u00e9");
  });
});

describe("POST /me/password", () => {
  it("revokes every session, the current one too, and issues a new token", async () => {
    const { token, email, user } = await signUp(api);
    const other = (await api.request("POST", "/auth/login", { body: { email, password: PASSWORD } })).body.token;
    const newPassword = "an entirely new passphrase";

    const answer = await api.request("POST", "/me/password", {
      token,
      body: { currentPassword: PASSWORD, newPassword },
    });
    expect(answer.status).toBe(200);
    expect(Object.keys(answer.body).sort()).toEqual(["expiresAt", "token"]);
    expect((await api.request("GET", "/me", { token })).status).toBe(401);
    expect((await api.request("GET", "/me", { token: other })).status).toBe(401);
    expect((await api.request("GET", "/me", { token: answer.body.token })).status).toBe(200);
    expect((await api.request("GET", "/auth/sessions", { token: answer.body.token })).body.items).toHaveLength(1);

    expect((await api.request("POST", "/auth/login", { body: { email, password: PASSWORD } })).status).toBe(401);
    expect((await api.request("POST", "/auth/login", { body: { email, password: newPassword } })).status).toBe(200);

    const [event] = await auditOf(user.id, "user.password_changed");
    expect(event?.details).toEqual({ sessionsRevoked: 2 });
    expect(JSON.stringify(event)).not.toContain(newPassword);
    expect(JSON.stringify(event)).not.toContain(answer.body.token);
  });

  it("answers 401 invalid_credentials for a wrong current password and changes nothing", async () => {
    const { token, email } = await signUp(api);
    const answer = await api.request("POST", "/me/password", {
      token,
      body: { currentPassword: "not my password", newPassword: "whatever new password" },
    });
    expect(answer.status).toBe(401);
    expect(answer.body.code).toBe("invalid_credentials");
    expect((await api.request("GET", "/me", { token })).status).toBe(200);
    expect((await api.request("POST", "/auth/login", { body: { email, password: PASSWORD } })).status).toBe(200);
  });

  it("holds the new password to the password rules", async () => {
    const { token } = await signUp(api);
    const answer = await api.request("POST", "/me/password", {
      token,
      body: { currentPassword: PASSWORD, newPassword: "too short" },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.errors.map((e: { path: string }) => e.path)).toEqual(["body.newPassword"]);
  });
});
