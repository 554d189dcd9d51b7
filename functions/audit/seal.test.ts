import { execFile } from "node:child_process";
import { generateKeyPairSync, randomUUID, sign } from "node:crypto";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  bodyOf,
  canonicalJson,
  digestKey,
  digestOf,
  keysFromJwks,
  sealHash,
  sealPending,
  thumbprint,
  verifyExport,
} from "@voxguard/core/audit-seal";
import { config } from "@voxguard/core/config";
import { db } from "@voxguard/core/db";
import { startExportStorage, type LocalAws } from "../../test-support/fauxqs.ts";
import { signUp, type SignedUp } from "../../test-support/identity.ts";
import { useApi } from "../../test-support/use-api.ts";

const run = promisify(execFile);

let aws: LocalAws;
let admin: SignedUp;
let keysFile: string;
let workDir: string;

interface Trail {
  orgId: string;
  /** The organization's events, oldest first. */
  ids: string[];
}

/** An organization with two seals over its events: made through the API, sealed by the job's code. */
async function sealedTrail(): Promise<Trail> {
  const created = await api.request("POST", "/orgs", {
    token: admin.token,
    body: { name: "Sealed", slug: `sealed-${randomUUID().slice(0, 12)}` },
  });
  expect(created.status).toBe(201);
  const orgId: string = created.body.org.id;
  // Five resources under the first seal, three under the second.
  const batches = [
    [0, 5],
    [5, 8],
  ] as const;
  for (const [from, to] of batches) {
    for (let n = from; n < to; n++) {
      const resource = await api.request("POST", `/orgs/${orgId}/resources`, {
        token: admin.token,
        body: { type: "sensor", name: `s${n}` },
      });
      expect(resource.status).toBe(201);
    }
    await sealPending({ only: [orgId], publish: true });
  }
  const rows = await db()
    .selectFrom("audit_log")
    .leftJoin("audit_seal_events as covered", "covered.event_id", "audit_log.id")
    .select(["audit_log.id", "covered.seq"])
    .where("audit_log.org_id", "=", orgId)
    .orderBy("audit_log.created_at")
    .orderBy("audit_log.id")
    .execute();
  expect(rows.map((row) => row.seq)).toEqual([1, 1, 1, 1, 1, 1, 2, 2, 2]);
  return { orgId, ids: rows.map((row) => row.id) };
}

async function verifyRoute(orgId: string, query = "") {
  const answer = await api.request("GET", `/orgs/${orgId}/audit/verify${query}`, { token: admin.token });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body;
}

/** Exports through the API, downloads the file and checks it with the public keys only. */
async function verifyOffline(orgId: string, body: Record<string, string> = {}) {
  const exported = await api.request("POST", `/orgs/${orgId}/audit/exports`, { token: admin.token, body });
  expect(exported.status, JSON.stringify(exported.body)).toBe(201);
  const file = path.join(workDir, `${exported.body.id}.ndjson.gz`);
  await writeFile(file, Buffer.from(await (await fetch(exported.body.url)).arrayBuffer()));
  return file;
}

async function offline(file: string) {
  const { gunzipSync } = await import("node:zlib");
  const { readFile } = await import("node:fs/promises");
  const keys = keysFromJwks((await api.request("GET", "/.well-known/voxguard-audit-keys.json")).body);
  return verifyExport(gunzipSync(await readFile(file)).toString("utf8"), keys);
}

async function sealRow(orgId: string, seq: number) {
  return db()
    .selectFrom("audit_seals")
    .selectAll()
    .where("chain", "=", orgId)
    .where("seq", "=", seq)
    .executeTakeFirstOrThrow();
}

/** Both verifiers find the same break. */
async function expectBreak(trail: Trail, kind: string, seq: number, eventId?: string) {
  const expected = { kind, seq, ...(eventId ? { eventId } : {}) };
  const online = await verifyRoute(trail.orgId);
  expect(online.holds).toBe(false);
  expect(online.firstBreak).toMatchObject(expected);
  const result = await offline(await verifyOffline(trail.orgId));
  expect(result.holds).toBe(false);
  expect(result.firstBreak).toMatchObject(expected);
}

beforeAll(async () => {
  aws = await startExportStorage();
});
afterAll(() => aws.close());
const api = useApi();

beforeAll(async () => {
  admin = await signUp(api);
  workDir = await mkdtemp(path.join(tmpdir(), "voxguard-seal-"));
  keysFile = path.join(workDir, "keys.json");
  await writeFile(keysFile, JSON.stringify((await api.request("GET", "/.well-known/voxguard-audit-keys.json")).body));
});

describe("the sealed audit trail", () => {
  it("publishes the sealing key as a JWK set", async () => {
    const answer = await api.request("GET", "/.well-known/voxguard-audit-keys.json");
    expect(answer.status).toBe(200);
    expect(answer.body.keys).toHaveLength(1);
    const [key] = answer.body.keys;
    expect(key).toEqual({
      kty: "OKP",
      crv: "Ed25519",
      x: expect.any(String),
      kid: thumbprint(key),
      use: "sig",
      alg: "EdDSA",
    });
    expect(JSON.stringify(answer.body)).not.toContain('"d"');
  });

  it("verifies a clean trail by the route and offline, and the digests are in the bucket", async () => {
    const trail = await sealedTrail();
    expect(await verifyRoute(trail.orgId)).toEqual({
      holds: true,
      chain: trail.orgId,
      seals: { count: 2, firstSeq: 1, lastSeq: 2 },
      events: { sealed: 9, unsealed: 0 },
      firstBreak: null,
    });
    const file = await verifyOffline(trail.orgId);
    expect(await offline(file)).toMatchObject({ holds: true, seals: { count: 2 }, events: { sealed: 9 } });

    // The command a third party runs, with the key set as a file.
    const { stdout } = await run("npx", ["tsx", "scripts/audit-verify.ts", file, "--keys", keysFile]);
    expect(stdout).toContain("the trail holds");

    const object = await aws.s3.send(
      new GetObjectCommand({ Bucket: config().s3Bucket, Key: digestKey({ chain: trail.orgId, seq: 2 }) }),
    );
    const digest = JSON.parse(await object.Body!.transformToString());
    expect(digest).toEqual(digestOf(await sealRow(trail.orgId, 2)));
    expect((await sealRow(trail.orgId, 2)).published_at).not.toBeNull();
  });

  it("verifies a range: the seals covering it, and the events created in it", async () => {
    const trail = await sealedTrail();
    const [from] = await db().selectFrom("audit_log").select("created_at").where("id", "=", trail.ids[6]!).execute();
    const result = await verifyRoute(trail.orgId, `?from=${from!.created_at.toISOString()}`);
    expect(result).toMatchObject({ holds: true, seals: { firstSeq: 2, lastSeq: 2 }, events: { sealed: 3 } });
    const file = await verifyOffline(trail.orgId, { from: from!.created_at.toISOString() });
    expect(await offline(file)).toMatchObject({
      holds: true,
      seals: { firstSeq: 1, lastSeq: 2 },
      events: { sealed: 3 },
    });
  });

  it("reports an event whose field was changed", async () => {
    const trail = await sealedTrail();
    await sql`UPDATE audit_log SET details = '{"name":"forged"}' WHERE id = ${trail.ids[3]}`.execute(db());
    await expectBreak(trail, "event_modified", 1, trail.ids[3]);
  });

  it("reports a deleted event", async () => {
    const trail = await sealedTrail();
    await sql`DELETE FROM audit_log WHERE id = ${trail.ids[7]}`.execute(db());
    await expectBreak(trail, "event_deleted", 2, trail.ids[7]);
  });

  it("reports an event inserted into a sealed range", async () => {
    const trail = await sealedTrail();
    const forged = randomUUID();
    await sql`
      INSERT INTO audit_log (id, org_id, user_id, action, details, created_at)
      SELECT ${forged}::uuid, org_id, user_id, 'member.removed', '{}', created_at + interval '1 microsecond'
      FROM audit_log WHERE id = ${trail.ids[2]}`.execute(db());
    // Claiming the seal of its neighbours, as a sealed event would.
    await sql`INSERT INTO audit_seal_events (event_id, seq) SELECT ${forged}::uuid, seq FROM audit_seal_events WHERE event_id = ${trail.ids[2]}`.execute(
      db(),
    );
    await expectBreak(trail, "event_inserted", 1, forged);
  });

  it("reports two events swapped", async () => {
    const trail = await sealedTrail();
    await sql`
      UPDATE audit_log SET created_at = swapped.created_at
      FROM (SELECT a.id, b.created_at FROM audit_log a, audit_log b
            WHERE (a.id, b.id) IN ((${trail.ids[1]}::uuid, ${trail.ids[2]}::uuid), (${trail.ids[2]}::uuid, ${trail.ids[1]}::uuid))) swapped
      WHERE audit_log.id = swapped.id`.execute(db());
    await expectBreak(trail, "events_swapped", 1, trail.ids[1]);
  });

  it("reports an altered seal", async () => {
    const trail = await sealedTrail();
    await sql`UPDATE audit_seals SET merkle_root = repeat('0', 64) WHERE chain = ${trail.orgId} AND seq = 1`.execute(
      db(),
    );
    await expectBreak(trail, "seal_altered", 1);
  });

  it("reports a deleted seal", async () => {
    const trail = await sealedTrail();
    await sql`DELETE FROM audit_seals WHERE chain = ${trail.orgId} AND seq = 1`.execute(db());
    await expectBreak(trail, "seal_missing", 1);
  });

  it("reports a seal signed with another key under the real key's id", async () => {
    const trail = await sealedTrail();
    const seal = digestOf(await sealRow(trail.orgId, 1));
    const { privateKey } = generateKeyPairSync("ed25519");
    const signature = sign(null, Buffer.from(canonicalJson(bodyOf(seal))), privateKey).toString("base64url");
    await sql`UPDATE audit_seals SET signature = ${signature} WHERE chain = ${trail.orgId} AND seq = 1`.execute(db());
    await expectBreak(trail, "signature_invalid", 1);
  });

  it("reports a seal re-signed with a key nobody published", async () => {
    const trail = await sealedTrail();
    const seal = digestOf(await sealRow(trail.orgId, 2));
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const keyId = thumbprint(publicKey.export({ format: "jwk" }) as { x: string });
    const body = { ...bodyOf(seal), keyId };
    const signature = sign(null, Buffer.from(canonicalJson(body)), privateKey).toString("base64url");
    await sql`UPDATE audit_seals SET key_id = ${keyId}, hash = ${sealHash(body)}, signature = ${signature} WHERE chain = ${trail.orgId} AND seq = 2`.execute(
      db(),
    );
    await expectBreak(trail, "unknown_key", 2);
  });

  it("makes the offline command fail with the break when the trail is broken", async () => {
    const trail = await sealedTrail();
    await sql`UPDATE audit_log SET action = 'org.updated' WHERE id = ${trail.ids[4]}`.execute(db());
    const file = await verifyOffline(trail.orgId);
    const failed = await run("npx", ["tsx", "scripts/audit-verify.ts", file, "--keys", keysFile]).then(
      () => undefined,
      (error: { code: number; stdout: string }) => error,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stdout).toContain("BROKEN: event_modified at seal 1");
  });

  it("refuses a range that ends before it starts, and answers 403 to a viewer", async () => {
    const trail = await sealedTrail();
    const bad = await api.request(
      "GET",
      `/orgs/${trail.orgId}/audit/verify?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z`,
      { token: admin.token },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe("validation_failed");
    const viewer = await signUp(api);
    await db()
      .insertInto("organization_members")
      .values({ org_id: trail.orgId, user_id: viewer.user.id, role: "viewer" })
      .execute();
    expect((await api.request("GET", `/orgs/${trail.orgId}/audit/verify`, { token: viewer.token })).status).toBe(403);
    const outsider = await signUp(api);
    expect((await api.request("GET", `/orgs/${trail.orgId}/audit/verify`, { token: outsider.token })).status).toBe(404);
  });
});
