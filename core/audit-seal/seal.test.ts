import { createHash } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UserActor } from "../actor/index.ts";
import { store, type AuditEvent } from "../audit/index.ts";
import { closeDb, db } from "../db/index.ts";
import { eventAt } from "../../test-support/audit-fixtures.ts";
import { createOrg, createUser } from "../../test-support/tenancy.ts";
import {
  canonicalJson,
  eventLeaf,
  leafHash,
  merkleRoot,
  nodeHash,
  SEAL_MAX_EVENTS,
  sealPending,
  verifyStored,
} from "./index.ts";
import { eventJson } from "./record.ts";

let actor: UserActor;

function events(orgId: string | null, count: number, secondsAgo = 100): AuditEvent[] {
  return Array.from({ length: count }, (_, n) =>
    eventAt(secondsAgo - n / 10, { action: "resource.created", actor, orgId, resourceType: "sensor", details: { n } }),
  );
}

async function sealsOf(chain: string) {
  return db()
    .selectFrom("audit_seals")
    .select(["seq", "event_ids", "event_count", "prev_hash", "hash"])
    .where("chain", "=", chain)
    .orderBy("seq")
    .execute();
}

async function sealOf(ids: string[]) {
  const rows = await db()
    .selectFrom("audit_seal_events")
    .select(["event_id", "seq"])
    .where("event_id", "in", ids)
    .execute();
  return new Map(rows.map((row) => [row.event_id, row.seq]));
}

beforeAll(async () => {
  actor = (await createUser()).actor;
});

afterAll(async () => {
  await closeDb();
});

describe("the Merkle tree", () => {
  it("hashes leaves and nodes apart and splits at the largest power of two below n (RFC 6962)", () => {
    const [a, b, c] = ["a", "b", "c"].map((text) => leafHash(text));
    expect(leafHash("a").equals(nodeHash(Buffer.alloc(0), Buffer.from("a")))).toBe(false);
    expect(merkleRoot([a!])).toEqual(a);
    expect(merkleRoot([a!, b!, c!])).toEqual(nodeHash(nodeHash(a!, b!), c!));
    expect(merkleRoot([a!, b!])).not.toEqual(merkleRoot([b!, a!]));
  });

  it("gives the roots of Certificate Transparency's reference test vectors, one to eight leaves", () => {
    const inputs = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"];
    const leaves = inputs.map((hex) => leafHash(Buffer.from(hex, "hex")));
    const roots = leaves.map((_, index) => merkleRoot(leaves.slice(0, index + 1)).toString("hex"));
    expect(roots).toEqual([
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
      "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
      "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
      "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
      "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
      "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]);
  });

  it("hashes a text leaf as its UTF-8 bytes after the 0x00 prefix", () => {
    const text = '{"name":"é \u2028 😀"}';
    const expected = createHash("sha256")
      .update(Buffer.concat([Buffer.from([0]), Buffer.from(text, "utf8")]))
      .digest();
    expect(leafHash(text)).toEqual(expected);
  });
});

describe("an event's leaf", () => {
  it("hashes exactly the RFC 8785 form of the nine fields the API shows", () => {
    const event = {
      ...events("7c0a4a8e-4d3e-4f6b-9a53-0f3c2d1e5b6a", 1)[0]!,
      userId: null,
      details: { é: 1, b: [1e21, 0.5, "\u2028"], a: { z: null, "\ud83d\ude00": true } },
    };
    const { id, orgId, userId, action, resourceType, resourceId, details, ipAddress, createdAt } = event;
    expect(eventJson(event)).toBe(
      canonicalJson({ id, orgId, userId, action, resourceType, resourceId, details, ipAddress, createdAt }),
    );
    expect(eventLeaf(event)).toEqual(leafHash(eventJson(event)));
    expect(eventLeaf({ ...event, details: { ...details, extra: 1 } })).not.toEqual(eventLeaf(event));
  });
});

describe("sealPending", () => {
  it("covers every stored event of an organization with exactly one seal, and a late event with the next one", async () => {
    const orgId = await createOrg([[actor, "admin"]]);
    const first = events(orgId, 5);
    await store(first);
    // The row versions (PostgreSQL's xmin) of the stored events: sealing must not rewrite them.
    const versions = () =>
      sql<{
        id: string;
        xmin: string;
      }>`SELECT id, xmin::text FROM audit_log WHERE org_id = ${orgId} ORDER BY id`.execute(db());
    const before = (await versions()).rows;
    const run = await sealPending({ only: [orgId] });
    expect(run).toMatchObject({ seals: 1, events: 5, complete: true });
    expect([...(await sealOf(first.map((e) => e.id))).values()]).toEqual([1, 1, 1, 1, 1]);
    expect((await versions()).rows).toEqual(before);

    // Stored after the seal but created before every sealed event: a redelivery out of a backlog.
    const late = events(orgId, 2, 500);
    await store(late);
    expect(await sealPending({ only: [orgId] })).toMatchObject({ seals: 1, events: 2 });
    const seals = await sealsOf(orgId);
    expect(seals.map((seal) => [seal.seq, seal.event_count])).toEqual([
      [1, 5],
      [2, 2],
    ]);
    expect(seals[1]!.prev_hash).toBe(seals[0]!.hash);
    expect(seals[1]!.event_ids).toEqual(late.map((e) => e.id));
    expect(await sealPending({ only: [orgId] })).toMatchObject({ seals: 0, events: 0, complete: true });

    const verified = await verifyStored(orgId);
    expect(verified).toMatchObject({
      holds: true,
      seals: { count: 2, firstSeq: 1, lastSeq: 2 },
      events: { sealed: 7, unsealed: 0 },
      firstBreak: null,
    });
  });

  it("lists a redelivered event for sealing once, and not again once it is sealed", async () => {
    const orgId = await createOrg([[actor, "admin"]]);
    const batch = events(orgId, 4);
    const ids = batch.map((e) => e.id);
    const listed = async () =>
      (
        await sql<{
          n: number;
        }>`SELECT count(*)::int AS n FROM audit_unsealed WHERE event_id = ANY(${ids}::uuid[])`.execute(db())
      ).rows[0]!.n;
    await store(batch);
    await store(batch);
    expect(await listed()).toBe(4);
    expect(await sealPending({ only: [orgId] })).toMatchObject({ seals: 1, events: 4 });
    expect(await listed()).toBe(0);
    await store(batch);
    expect(await listed()).toBe(0);
    expect(await sealPending({ only: [orgId] })).toMatchObject({ seals: 0, events: 0 });
    expect([...(await sealOf(ids)).values()]).toEqual([1, 1, 1, 1]);
  });

  it("keeps platform-wide events in a chain of their own", async () => {
    const orgId = await createOrg([[actor, "admin"]]);
    const platform = events(null, 3);
    await store([...platform, ...events(orgId, 2)]);
    await sealPending({ only: [null, orgId] });
    const sealed = await sealOf(platform.map((e) => e.id));
    expect([...sealed.values()].every((seq) => typeof seq === "number")).toBe(true);
    const platformSeals = await sealsOf("platform");
    const covering = platformSeals.filter((seal) => platform.some((e) => seal.event_ids.includes(e.id)));
    expect(covering.flatMap((seal) => seal.event_ids).filter((id) => platform.some((e) => e.id === id))).toHaveLength(
      3,
    );
    expect((await sealsOf(orgId)).map((seal) => seal.event_count)).toEqual([2]);
    expect(await verifyStored(null, { from: new Date(Date.now() - 3_600_000) })).toMatchObject({ holds: true });
  });

  it("seals a backlog over several bounded seals per chain", async () => {
    const orgId = await createOrg([[actor, "admin"]]);
    const backlog = events(orgId, 12_000, 1_000);
    for (let start = 0; start < backlog.length; start += 1_000) await store(backlog.slice(start, start + 1_000));
    const run = await sealPending({ only: [orgId] });
    expect(run).toMatchObject({ events: 12_000, complete: true });
    expect((await sealsOf(orgId)).map((seal) => seal.event_count)).toEqual([5_000, 5_000, 2_000]);
    expect(await verifyStored(orgId)).toMatchObject({ holds: true, events: { sealed: 12_000 } });
  });

  it("seals what was listed when the run started, and leaves what is stored during it to the next run", async () => {
    const [orgId, other] = await Promise.all([createOrg([[actor, "admin"]]), createOrg([[actor, "admin"]])]);
    await store(events(orgId, 3));
    const meanwhile = events(other, 2);
    // The run waits for the hook: the new events are committed before it could look again.
    const run = await sealPending({ only: [orgId, other], onSealed: () => store(meanwhile) });
    expect(run).toMatchObject({ seals: 1, events: 3, complete: true });
    expect(await sealsOf(other)).toEqual([]);
    expect(await sealPending({ only: [orgId, other] })).toMatchObject({ seals: 1, events: 2, complete: true });
    expect((await sealsOf(other)).map((seal) => seal.event_count)).toEqual([2]);
  });

  it("goes on with a chain past a seal's size, and still leaves the chains that got events meanwhile", async () => {
    const [orgId, other] = await Promise.all([createOrg([[actor, "admin"]]), createOrg([[actor, "admin"]])]);
    await store(events(orgId, SEAL_MAX_EVENTS + 1, 1_000));
    await store(events(other, 1));
    let calls = 0;
    const run = await sealPending({
      only: [orgId, other],
      // After the first round's seals, one more event in each chain: the capped chain's next round
      // takes its own along, the finished chain's waits.
      onSealed: async () => {
        if (calls++ === 0) await Promise.all([store(events(orgId, 1)), store(events(other, 1))]);
      },
    });
    expect(run).toMatchObject({ events: SEAL_MAX_EVENTS + 3, complete: true });
    expect((await sealsOf(orgId)).map((seal) => seal.event_count)).toEqual([SEAL_MAX_EVENTS, 2]);
    expect((await sealsOf(other)).map((seal) => seal.event_count)).toEqual([1]);
    expect(await sealPending({ only: [orgId, other] })).toMatchObject({ seals: 1, events: 1, complete: true });
  });

  it("never seals an event twice when sealers race, while events keep arriving", async () => {
    const orgs = await Promise.all(Array.from({ length: 4 }, () => createOrg([[actor, "admin"]])));
    const stored: AuditEvent[] = [];
    for (let round = 0; round < 8; round++) {
      const batch = orgs.flatMap((orgId) => events(orgId, 20, 50 - round));
      stored.push(...batch);
      const results = await Promise.all([
        store(batch),
        ...Array.from({ length: 4 }, () => sealPending({ only: orgs })),
      ]);
      const runs = results.slice(1) as Awaited<ReturnType<typeof sealPending>>[];
      expect(runs.every((run) => run.seals >= 0)).toBe(true);
    }
    await sealPending({ only: orgs });
    for (const orgId of orgs) {
      const seals = await sealsOf(orgId);
      expect(seals.map((seal) => seal.seq)).toEqual(seals.map((_, index) => index + 1));
      const covered = seals.flatMap((seal) => seal.event_ids);
      const mine = stored.filter((event) => event.orgId === orgId).map((event) => event.id);
      expect(new Set(covered).size).toBe(covered.length);
      expect([...covered].sort()).toEqual([...mine].sort());
      expect(await verifyStored(orgId)).toMatchObject({ holds: true, events: { sealed: mine.length, unsealed: 0 } });
    }
    const ids = stored.map((e) => e.id);
    const { rows } = await sql<{ listed: number; covered: number }>`
      SELECT (SELECT count(*)::int FROM audit_unsealed WHERE event_id = ANY(${ids}::uuid[])) AS listed,
             (SELECT count(*)::int FROM audit_seal_events WHERE event_id = ANY(${ids}::uuid[])) AS covered`.execute(
      db(),
    );
    expect(rows[0]).toEqual({ listed: 0, covered: ids.length });
  });
});
