import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { UserActor } from "../actor/index.ts";
import { reloadConfig } from "../config/index.ts";
import { closeDb, db } from "../db/index.ts";
import { auditIndexConfig, createQuickwitClient } from "../search/index.ts";
import { eventAt, rowsOf } from "../../test-support/audit-fixtures.ts";
import { createOrg, createUser } from "../../test-support/tenancy.ts";
import { withOwnDatabase } from "../../test-support/throwaway-database.ts";
import { startQuickwitStandIn, type QuickwitStandIn } from "../../test-support/quickwit-stand-in/index.ts";
import { until } from "../../test-support/until.ts";
import { consume, list, type AuditEvent, type QueueRecord } from "./index.ts";

let quickwit: QuickwitStandIn;
let admin: UserActor;
let orgId: string;

function records(events: AuditEvent[]): QueueRecord[] {
  return events.map((event) => ({ messageId: randomUUID(), body: JSON.stringify(event) }));
}

function batch(count: number, word = "batch"): AuditEvent[] {
  return Array.from({ length: count }, (_, n) =>
    eventAt(count - n, {
      action: "resource.created",
      actor: admin,
      orgId,
      resourceType: "sensor",
      resourceId: randomUUID(),
      details: { name: `${word}-${n}`, word },
    }),
  );
}

async function useQuickwit(indexId: string | undefined): Promise<void> {
  if (indexId === undefined) {
    delete process.env.QUICKWIT_URL;
    delete process.env.QUICKWIT_AUDIT_INDEX;
  } else {
    process.env.QUICKWIT_URL = quickwit.url;
    process.env.QUICKWIT_AUDIT_INDEX = indexId;
    await createQuickwitClient({ baseUrl: quickwit.url }).createIndex(auditIndexConfig({ indexId }));
  }
  reloadConfig();
}

beforeAll(async () => {
  quickwit = await startQuickwitStandIn();
  admin = (await createUser()).actor;
  orgId = await createOrg([[admin, "admin"]]);
});

afterEach(async () => {
  await quickwit.setDown(false);
  await useQuickwit(undefined);
});

afterAll(async () => {
  await quickwit.close();
  await closeDb();
});

describe("consume", () => {
  it("stores the same batch delivered twice as one row per event", async () => {
    const events = batch(20);
    const delivered = records(events);
    expect(await consume(delivered)).toEqual({ failed: [], stored: 20, deferred: 0 });
    // A redelivery carries new message ids, and may meet a copy of itself in one batch.
    expect(await consume([...records(events), ...records(events.slice(0, 3))])).toEqual({
      failed: [],
      stored: 20,
      deferred: 0,
    });
    const rows = await rowsOf(events.map((event) => event.id));
    expect(rows).toHaveLength(20);
    const row = rows.find((r) => r.id === events[0]!.id)!;
    expect(row).toMatchObject({
      org_id: orgId,
      user_id: admin.userId,
      action: "resource.created",
      resource_type: "sensor",
      ip_address: "203.0.113.7",
    });
    expect(row.details).toEqual(events[0]!.details);
    expect(row.created_at.toISOString()).toBe(events[0]!.createdAt);
  });

  it("reports malformed messages and stores the rest of the batch", async () => {
    const events = batch(5);
    const good = records(events);
    const bad: QueueRecord[] = [
      { messageId: "not-json", body: "{oops" },
      { messageId: "wrong-shape", body: JSON.stringify({ id: randomUUID(), action: "nonsense" }) },
      { messageId: "bad-address", body: JSON.stringify({ ...batch(1)[0], ipAddress: "999.1.1.1" }) },
    ];
    const result = await consume([bad[0]!, ...good.slice(0, 2), bad[1]!, ...good.slice(2), bad[2]!]);
    expect(result.failed.sort()).toEqual(["bad-address", "not-json", "wrong-shape"]);
    expect(await rowsOf(events.map((event) => event.id))).toHaveLength(5);
  });

  it("fails only the event the database refuses, not its batch", async () => {
    const events = batch(4);
    const orphan = { ...batch(1)[0]!, userId: randomUUID() };
    const delivered = records([...events, orphan]);
    const result = await consume(delivered);
    expect(result.failed).toEqual([delivered[4]!.messageId]);
    expect(await rowsOf(events.map((event) => event.id))).toHaveLength(4);
    expect(await rowsOf([orphan.id])).toHaveLength(0);
  });

  it("reports every record when the database can't be reached", async () => {
    const events = batch(3);
    const delivered = records(events);
    const databaseUrl = process.env.DATABASE_URL!;
    await closeDb();
    process.env.DATABASE_URL = "postgres://postgres@127.0.0.1:1/nowhere";
    reloadConfig();
    try {
      const result = await consume(delivered);
      expect(result.failed.sort()).toEqual(delivered.map((record) => record.messageId).sort());
    } finally {
      await closeDb();
      process.env.DATABASE_URL = databaseUrl;
      reloadConfig();
    }
    expect(await rowsOf(events.map((event) => event.id))).toHaveLength(0);
  });

  it("ingests stored events into Quickwit", async () => {
    const indexId = `audit-consume-${randomUUID().slice(0, 8)}`;
    await useQuickwit(indexId);
    const events = batch(6);
    expect(await consume(records(events))).toEqual({ failed: [], stored: 6, deferred: 0 });
    expect(
      quickwit
        .documents(indexId)
        .map((doc) => doc.id)
        .sort(),
    ).toEqual(events.map((event) => event.id).sort());
  });

  it("acknowledges the batch while Quickwit is down: the rows are in and the events wait in the index backlog", async () => {
    const indexId = `audit-down-${randomUUID().slice(0, 8)}`;
    await useQuickwit(indexId);
    const word = `outage${randomUUID().slice(0, 8)}`;
    const events = batch(8, word);

    await quickwit.setDown(true);
    expect(await consume(records(events))).toEqual({ failed: [], stored: 8, deferred: 8 });
    expect(await rowsOf(events.map((event) => event.id))).toHaveLength(8);
    expect(quickwit.documents(indexId)).toHaveLength(0);
    const { rows } = await sql<{
      event_id: string;
    }>`SELECT event_id FROM audit_index_backlog WHERE event_id = ANY(${events.map((e) => e.id)}::uuid[])`.execute(db());
    expect(rows.map((row) => row.event_id).sort()).toEqual(events.map((event) => event.id).sort());

    // A redelivery (the message was in flight twice) indexes at once and leaves a second copy in
    // Quickwit later: search collapses on event id.
    await quickwit.setDown(false);
    expect(await consume(records(events))).toEqual({ failed: [], stored: 8, deferred: 0 });
    expect(await consume(records(events))).toEqual({ failed: [], stored: 8, deferred: 0 });
    expect(quickwit.documents(indexId)).toHaveLength(16);
    // Searchable at Quickwit's commit (the index's commit timeout), as a user would find it.
    const page = await until("the committed events in a search", async () => {
      const found = await list(admin, { type: "org", orgId }, { limit: 50, q: word });
      return found.items.length > 0 ? found : undefined;
    });
    expect(page.items.map((item) => item.id)).toEqual(events.map((event) => event.id).reverse());
    expect(page.nextCursor).toBeNull();
  });

  it("reports the records for redelivery when Quickwit is down and the backlog can't be written either", async () => {
    await withOwnDatabase(async () => {
      const indexId = `audit-nobacklog-${randomUUID().slice(0, 8)}`;
      await useQuickwit(indexId);
      const owner = (await createUser()).actor;
      const org = await createOrg([[owner, "owner"]]);
      const events = Array.from({ length: 3 }, () =>
        eventAt(1, { action: "resource.created", actor: owner, orgId: org }),
      );
      const delivered = records(events);
      // Stands for a backlog write that fails while the audit_log INSERT succeeded.
      await sql`DROP TABLE audit_index_backlog`.execute(db());

      await quickwit.setDown(true);
      const result = await consume(delivered);
      expect(result.failed.sort()).toEqual(delivered.map((record) => record.messageId).sort());
      expect(result).toMatchObject({ stored: 3, deferred: 0 });
      expect(await rowsOf(events.map((event) => event.id))).toHaveLength(3);
    });
  });
});
