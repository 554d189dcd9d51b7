import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { UserActor } from "../actor/index.ts";
import { store } from "../audit/index.ts";
import { ConfigError, reloadConfig } from "../config/index.ts";
import { closeDb, db } from "../db/index.ts";
import { eventAt } from "../../test-support/audit-fixtures.ts";
import { createOrg, createUser } from "../../test-support/tenancy.ts";
import { generateSealKey, publicJwk, publishedKeys, sealPending, verifyStored } from "./index.ts";

const runKey = process.env.AUDIT_SEAL_KEY;
let actor: UserActor;

function useKeys(privateKey: string | undefined, publicKeys: unknown[] = []): void {
  if (privateKey === undefined) delete process.env.AUDIT_SEAL_KEY;
  else process.env.AUDIT_SEAL_KEY = privateKey;
  process.env.AUDIT_SEAL_PUBLIC_KEYS = JSON.stringify(publicKeys);
  reloadConfig();
}

beforeAll(async () => {
  actor = (await createUser()).actor;
});

afterEach(() => useKeys(runKey));

afterAll(async () => {
  await closeDb();
});

describe("sealing keys", () => {
  it("rotates: old seals keep verifying with the retired public key, new ones name the new key", async () => {
    const orgId = await createOrg([[actor, "admin"]]);
    const first = generateSealKey();
    const second = generateSealKey();
    useKeys(JSON.stringify(first));
    await store([eventAt(20, { action: "org.updated", actor, orgId })]);
    await sealPending({ only: [orgId] });

    useKeys(JSON.stringify(second), [publicJwk(first), publicJwk(second)]);
    expect(
      publishedKeys()
        .keys.map((key) => key.kid)
        .sort(),
    ).toEqual([first.kid, second.kid].sort());
    await store([eventAt(10, { action: "org.updated", actor, orgId })]);
    await sealPending({ only: [orgId] });
    const seals = await db()
      .selectFrom("audit_seals")
      .select(["seq", "key_id"])
      .where("chain", "=", orgId)
      .orderBy("seq")
      .execute();
    expect(seals).toEqual([
      { seq: 1, key_id: first.kid },
      { seq: 2, key_id: second.kid },
    ]);
    expect(await verifyStored(orgId)).toMatchObject({ holds: true, seals: { count: 2 } });

    // Dropping the retired key from the published set leaves its seals unverifiable.
    useKeys(undefined, [publicJwk(second)]);
    expect(await verifyStored(orgId)).toMatchObject({ holds: false, firstBreak: { kind: "unknown_key", seq: 1 } });
  });

  it("refuses a malformed key, or a key whose public half is not published, without printing it", () => {
    const key = generateSealKey();
    useKeys(JSON.stringify({ ...key, x: generateSealKey().x }));
    expect(() => publishedKeys()).toThrow(ConfigError);
    useKeys("not json at all");
    expect(() => publishedKeys()).toThrow(/AUDIT_SEAL_KEY is malformed/);
    useKeys(JSON.stringify(key), [publicJwk(generateSealKey())]);
    let message = "";
    try {
      publishedKeys();
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/does not list AUDIT_SEAL_KEY's public half/);
    expect(message).not.toContain(key.d);
  });

  it("without a private key publishes the configured public keys and refuses to seal", async () => {
    const key = generateSealKey();
    useKeys(undefined, [publicJwk(key)]);
    expect(publishedKeys()).toEqual({ keys: [publicJwk(key)] });
    await expect(sealPending({ only: [] })).rejects.toThrow(/AUDIT_SEAL_KEY is not set/);
  });
});
