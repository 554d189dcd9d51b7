import { randomUUID } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UserActor } from "../actor/index.ts";
import { config, reloadConfig } from "../config/index.ts";
import { closeDb, db } from "../db/index.ts";
import { createOrg, createUser } from "../../test-support/tenancy.ts";
import { startExportStorage, type LocalAws } from "../../test-support/fauxqs.ts";
import { exportTrail } from "./index.ts";
import { s3ClientOptions } from "./export.ts";

const ROWS = 100_000;

let aws: LocalAws;
let owner: UserActor;
let outsider: UserActor;
let orgId: string;

/** What the export must hold, rendered by PostgreSQL itself: oldest first, as the API shows events. */
async function expectedLines(org: string, range: { from?: string; to?: string } = {}): Promise<string[]> {
  const result = await sql<{ line: string }>`
    select json_build_object(
      'id', id, 'orgId', org_id, 'userId', user_id, 'action', action, 'resourceType', resource_type,
      'resourceId', resource_id, 'details', details, 'ipAddress', host(ip_address),
      'createdAt', to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
      'sealSeq', (select seq from audit_seal_events where event_id = audit_log.id)
    )::text as line
    from audit_log
    where org_id = ${org}
      and (${range.from ?? null}::timestamptz is null or created_at >= ${range.from ?? null}::timestamptz)
      and (${range.to ?? null}::timestamptz is null or created_at < ${range.to ?? null}::timestamptz)
    order by created_at, id`.execute(db());
  return result.rows.map((row) => JSON.stringify(JSON.parse(row.line)));
}

/** The event lines, and the export's header (its first line) apart; seal lines are left out. */
async function download(url: string): Promise<{ lines: string[]; header: Record<string, unknown>; bytes: number }> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  const gzipped = Buffer.from(await response.arrayBuffer());
  const text = gunzipSync(gzipped).toString("utf8");
  const [first, ...rest] = text.split("\n").filter(Boolean);
  const lines = rest.filter((line) => !line.startsWith('{"seal":'));
  return { lines, header: JSON.parse(first!).export, bytes: gzipped.byteLength };
}

beforeAll(async () => {
  // Out of process: the object store's copy of a large file stays out of the tests' memory.
  aws = await startExportStorage({ separateProcess: true });
  owner = (await createUser()).actor;
  outsider = (await createUser()).actor;
  orgId = await createOrg([[owner, "owner"]]);
  // Fast: the rows are made by the database. md5 keeps the file from compressing to almost nothing,
  // so the upload really goes in several parts. In slices: each statement stays well inside the
  // pool's statement timeout on a loaded machine.
  for (let start = 1; start <= ROWS; start += ROWS / 4) {
    await sql`
    insert into audit_log (id, org_id, user_id, action, resource_type, resource_id, details, ip_address, created_at)
    select gen_random_uuid(), ${orgId}::uuid, ${owner.userId}::uuid,
           (array['resource.created', 'resource.updated', 'member.added'])[1 + g % 3],
           'sensor', gen_random_uuid(),
           jsonb_build_object('n', g, 'name', 'sensor ' || g, 'hash', md5(g::text), 'quote', 'say "hi"' || chr(10)),
           ('10.0.' || (g / 256) % 256 || '.' || g % 256)::inet,
           timestamptz '2026-01-01T00:00:00Z' + g * interval '1 millisecond'
    from generate_series(${start}::int, ${start + ROWS / 4 - 1}::int) g`.execute(db());
  }
}, 120_000);

afterAll(async () => {
  await aws.close();
  await closeDb();
});

describe("exportTrail", () => {
  it(`exports ${ROWS.toLocaleString("en")} rows as gzip NDJSON behind a presigned URL`, async () => {
    const answer = await exportTrail(owner, orgId, {});
    expect(answer.count).toBe(ROWS);
    expect(answer.url).toContain(`/${config().s3Bucket}/exports/${orgId}/${answer.id}.ndjson.gz`);
    expect(Date.parse(answer.expiresAt) - Date.now()).toBeGreaterThan((config().exportUrlSeconds - 60) * 1000);

    const head = await aws.s3.send(
      new HeadObjectCommand({ Bucket: config().s3Bucket, Key: `exports/${orgId}/${answer.id}.ndjson.gz` }),
    );
    const { lines, bytes } = await download(answer.url);
    expect(head.ContentLength).toBe(bytes);
    expect(bytes).toBeGreaterThan(5 * 1024 * 1024);
    expect(lines).toHaveLength(ROWS);
    // The export's own audit.exported event came after the snapshot it read.
    const expected = await expectedLines(orgId, { to: "2026-01-02T00:00:00Z" });
    expect(lines.length).toBe(expected.length);
    const mismatch = lines.findIndex((line, index) => line !== expected[index]);
    expect(mismatch, mismatch >= 0 ? `line ${mismatch}: ${lines[mismatch]} vs ${expected[mismatch]}` : "").toBe(-1);

    const exported = await db()
      .selectFrom("audit_log")
      .selectAll()
      .where("org_id", "=", orgId)
      .where("action", "=", "audit.exported")
      .execute();
    expect(exported).toHaveLength(1);
    expect(exported[0]).toMatchObject({ user_id: owner.userId, details: { exportId: answer.id, count: ROWS } });
  });

  it("outlives the pool's statement timeout: the cursor is one statement for the whole export", async () => {
    const previous = process.env.DATABASE_STATEMENT_TIMEOUT_MS;
    await closeDb();
    process.env.DATABASE_STATEMENT_TIMEOUT_MS = "200";
    reloadConfig();
    try {
      expect((await exportTrail(owner, orgId, { to: "2026-01-02T00:00:00Z" })).count).toBe(ROWS);
    } finally {
      await closeDb();
      if (previous === undefined) delete process.env.DATABASE_STATEMENT_TIMEOUT_MS;
      else process.env.DATABASE_STATEMENT_TIMEOUT_MS = previous;
      reloadConfig();
    }
  });

  it("exports only the range asked for", async () => {
    const range = { from: "2026-01-01T00:00:10.000Z", to: "2026-01-01T00:00:10.250Z" };
    const answer = await exportTrail(owner, orgId, range);
    expect(answer.count).toBe(250);
    const { lines, header } = await download(answer.url);
    expect(lines).toEqual(await expectedLines(orgId, range));
    expect(header).toMatchObject({ id: answer.id, orgId, from: range.from, to: range.to });
  });

  it("exports an empty trail as an empty file", async () => {
    const empty = await createOrg([[owner, "admin"]]);
    const answer = await exportTrail(owner, empty, { to: "2000-01-01T00:00:00Z" });
    expect(answer.count).toBe(0);
    expect((await download(answer.url)).lines).toEqual([]);
  });

  it("is 404 to somebody outside the organization", async () => {
    await expect(exportTrail(outsider, orgId, {})).rejects.toMatchObject({ code: "not_found" });
    await expect(exportTrail(outsider, randomUUID(), {})).rejects.toMatchObject({ code: "not_found" });
  });
});

describe("the S3 client's addressing", () => {
  it("is path-style with checksums only when required behind a custom endpoint (RustFS), the SDK's defaults on AWS S3", () => {
    const keys = { accessKeyId: "rustfs", secretAccessKey: "not-logged" };
    expect(s3ClientOptions("https://rustfs.internal:9000", keys)).toEqual({
      endpoint: "https://rustfs.internal:9000",
      forcePathStyle: true,
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      credentials: keys,
    });
    expect(s3ClientOptions(undefined, undefined)).toEqual({});
    expect(s3ClientOptions("", undefined)).toEqual({});
  });
});
