import { randomBytes, randomUUID } from "node:crypto";
import { Agent, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import fc from "fast-check";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as z from "@voxguard/core/zod";
import { closeCache } from "@voxguard/core/cache";
import { reloadConfig } from "@voxguard/core/config";
import { closeDb, db } from "@voxguard/core/db";
import * as Session from "@voxguard/core/session";
import * as Token from "@voxguard/core/token";
import { startLocalAws, type LocalAws } from "../test-support/fauxqs.ts";
import { startApi, type TestApi } from "../test-support/http.ts";
import { makePlatformAdmin, PASSWORD, signUp } from "../test-support/identity.ts";
import { createThrowawayDatabase } from "../test-support/throwaway-database.ts";
import { STATUS } from "./edge/problem.ts";
import { loadSchemas, type RouteDefinition } from "./edge/route-definition.ts";
import { routes } from "./routes.ts";

/**
 * Hostile input, generated from the route table: every route gets malformed and oversized bodies,
 * wrong types, injection strings, unicode edge cases, tampered query strings and cursors, foreign
 * and malformed path ids, and forged headers. Each answer must be a documented 4xx or a documented
 * success, never a 5xx; a 4xx is problem+json and leaves every row as it was.
 *
 * Fixed seed and bounded runs, so CI sees the same cases every time (HOSTILE_SEED / HOSTILE_RUNS
 * explore further by hand).
 */
const SEED = Number(process.env.HOSTILE_SEED ?? 20_250_607);
const RUNS = Number(process.env.HOSTILE_RUNS ?? 20);

const TABLE = routes as Record<string, RouteDefinition>;
const ROUTE_KEYS = Object.keys(TABLE);
const SCHEMAS = await loadSchemas(TABLE);
const ERROR_STATUSES = new Set(Object.values(STATUS).filter((status) => status >= 400 && status < 500));

// ---------------------------------------------------------------------------------------------
// The world the requests run against: real sessions, an organization the caller owns (so org
// routes get past access checks into their deep paths), and another tenant to aim at.

interface Persona {
  userId: string;
  email: string;
  passwordHash: string;
  role: "user" | "admin";
}

interface World {
  ownerToken: string;
  /** A second session of the owner: the target of DELETE /auth/sessions/{sessionId}. */
  spareSessionId: string;
  adminToken: string;
  outsiderToken: string;
  orgId: string;
  resourceId: string;
  memberUserId: string;
  invitationId: string;
  /** Valid one-time tokens of the owner's: mailed links, as the mail would carry them. */
  tokens: { verify: string; reset: string; invitation: string };
  foreign: { orgId: string; resourceId: string; userId: string; sessionId: string };
}

let api: TestApi;
let aws: LocalAws;
let probe: pg.Pool;
let databaseName: string;
let adminUrl: string;
let dropOwn: (() => Promise<void>) | undefined;
let owner: Persona;
let admin: Persona;
let outsider: Persona;
let memberUserId: string;
let revokedToken: string;
let expiredToken: string;
let expiredSessionId: string;
let world: World;
let dirty = true;
/** The rows as the last 4xx left them: the next case's "before" unless something changed since. */
let known: Snapshot | undefined;
/** Answers by status, printed at the end: what the run actually exercised. */
const tally = new Map<number, number>();
const agent = new Agent({ keepAlive: true, maxSockets: 4 });

async function persona(label: string, platformAdmin = false): Promise<Persona> {
  const signed = await signUp(api, { email: `${label}-${randomUUID()}@example.test`, displayName: label });
  if (platformAdmin) await makePlatformAdmin(signed.user.id);
  const row = await db().selectFrom("users").select("password_hash").where("id", "=", signed.user.id).executeTakeFirstOrThrow();
  return { userId: signed.user.id, email: signed.email, passwordHash: row.password_hash!, role: platformAdmin ? "admin" : "user" };
}

async function plainUser(label: string): Promise<{ id: string; email: string }> {
  const id = randomUUID();
  const email = `${label}-${id}@example.test`;
  await db().insertInto("users").values({ id, email, display_name: label, password_hash: null }).execute();
  return { id, email };
}

async function sessionOf(user: Persona): Promise<{ id: string; token: string }> {
  return Session.create({ id: user.userId, role: user.role, status: "active" }, { ip: "127.0.0.1", userAgent: "hostile-input" });
}

async function seedOrg(ownerId: string, extraMembers: string[]): Promise<{ orgId: string; resourceId: string; invitationId: string }> {
  const orgId = randomUUID();
  await db().insertInto("organizations").values({ id: orgId, name: `Hostile ${orgId.slice(0, 8)}`, slug: `hostile-${orgId}`, metadata: JSON.stringify({ seeded: true }) }).execute();
  await db()
    .insertInto("organization_members")
    .values([{ org_id: orgId, user_id: ownerId, role: "owner" }, ...extraMembers.map((userId) => ({ org_id: orgId, user_id: userId, role: "member" as const }))])
    .execute();
  const resource = await db()
    .insertInto("resources")
    .values({ org_id: orgId, type: "voice.line", name: "Line", config: JSON.stringify({ number: "+15550100" }) })
    .returning("id")
    .executeTakeFirstOrThrow();
  const invitation = await db()
    .insertInto("invitations")
    .values({ org_id: orgId, email: `invitee-${orgId}@example.test`, role: "member", invited_by: ownerId, expires_at: new Date(Date.now() + 86_400_000) })
    .returning("id")
    .executeTakeFirstOrThrow();
  return { orgId, resourceId: resource.id, invitationId: invitation.id };
}

/**
 * A fresh world after a success that may have spent it (a deleted org, a revoked session, a
 * suspended or demoted persona, a changed password). 4xx answers change nothing, so only then.
 */
async function rebuild(): Promise<void> {
  for (const user of [owner, admin, outsider]) {
    await db().updateTable("users").set({ status: "active", role: user.role, password_hash: user.passwordHash }).where("id", "=", user.userId).execute();
  }
  await db().updateTable("users").set({ status: "active" }).where("id", "=", memberUserId).execute();
  // What earlier worlds and successful cases left behind goes, so the tables (and the cost of
  // checksumming them before and after every case) stay small.
  await db().deleteFrom("organizations").execute();
  await db().deleteFrom("user_sessions").where("id", "!=", expiredSessionId).execute();
  const own = await seedOrg(owner.userId, [memberUserId]);
  const other = await seedOrg(outsider.userId, []);
  const ownersInvitation = await db()
    .insertInto("invitations")
    .values({ org_id: other.orgId, email: owner.email.toLowerCase(), role: "viewer", invited_by: outsider.userId, expires_at: new Date(Date.now() + 86_400_000) })
    .returning("id")
    .executeTakeFirstOrThrow();
  const issue = (purpose: Token.Purpose, extra: { userId?: string; invitationId?: string }) =>
    Token.issue({ purpose, email: owner.email, ttlSeconds: 3600, ...extra });
  const tokens = {
    verify: await issue("verify_email", { userId: owner.userId }),
    reset: await issue("password_reset", { userId: owner.userId }),
    invitation: await issue("invitation", { invitationId: ownersInvitation.id }),
  };
  const [ownerSession, spare, adminSession, outsiderSession, outsiderSpare] = [
    await sessionOf(owner),
    await sessionOf(owner),
    await sessionOf(admin),
    await sessionOf(outsider),
    await sessionOf(outsider),
  ];
  world = {
    ownerToken: ownerSession!.token,
    spareSessionId: spare!.id,
    adminToken: adminSession!.token,
    outsiderToken: outsiderSession!.token,
    orgId: own.orgId,
    resourceId: own.resourceId,
    memberUserId,
    invitationId: own.invitationId,
    tokens,
    foreign: { orgId: other.orgId, resourceId: other.resourceId, userId: outsider.userId, sessionId: outsiderSpare!.id },
  };
  dirty = false;
  known = undefined;
}

// ---------------------------------------------------------------------------------------------
// A valid request for every route: each hostile case changes one part of it, so the rest gets the
// request deep into the route.

interface Baseline {
  params: Record<string, string>;
  query: Record<string, string>;
  body?: unknown;
}

function baseline(key: string, w: World): Baseline {
  const params = { orgId: w.orgId, resourceId: w.resourceId, userId: w.memberUserId, sessionId: w.spareSessionId, invitationId: w.invitationId };
  const example = TABLE[key]!.example?.({ params, email: owner.email, password: PASSWORD, unique: randomUUID(), tokens: w.tokens }) ?? {};
  return { params, query: example.query ?? {}, body: example.body };
}

function tokenFor(key: string, w: World): string | undefined {
  const auth = TABLE[key]!.auth;
  if (auth === "none") return undefined;
  return auth === "platform-admin" ? w.adminToken : w.ownerToken;
}

/** The fields of an object schema, through .default()/.optional()/pipes: what body and query cases target. */
function fieldsOf(schema: z.ZodMiniType | undefined): string[] {
  let current: unknown = schema;
  for (let depth = 0; depth < 6 && current; depth++) {
    if (current instanceof z.ZodMiniObject) return Object.keys(current.shape);
    const def = (current as { _zod?: { def?: { innerType?: unknown; in?: unknown } } })._zod?.def;
    current = def?.innerType ?? def?.in;
  }
  return [];
}

const paramNames = (key: string) => [...key.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);

// ---------------------------------------------------------------------------------------------
// Generators.

const INJECTIONS = [
  "' OR '1'='1",
  "'; DROP TABLE users; --",
  '" OR ""="',
  "1) OR pg_sleep(5)--",
  "admin'--",
  "' UNION SELECT password_hash FROM users --",
  "$1",
  "%",
  "_",
  "\\",
  "%\\",
  "\\%_",
  "E'\\x00'",
  "::uuid",
  '{"$gt":""}',
  '{"$ne":null}',
  "$where: '1 == 1'",
  "[$ne]=1",
  "{$regex: '.*'}",
  "${7*7}",
  "{{constructor.constructor('return process')()}}",
  "<script>alert(1)</script>",
  "../../../../etc/passwd",
  "..%2f..%2f",
  "%00",
  "%ZZ",
  "\r\nX-Injected: 1",
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
];

const UNICODE = [
  "\u0000",
  "a\u0000b",
  "\uD800",
  "x\uDBFFy",
  "\uDC00",
  "\uDFFF\uD800",
  "\uFEFF",
  "\u200B",
  "\u202Eevil",
  "\uFFFF",
  "\uFFFE",
  "😀",
  "e\u0301",
  "\u0007",
  "\u001b[31m",
  "\r\n",
  "\t",
  "İ",
  "ß",
  "\u{10FFFF}",
  "ｆｕｌｌ",
  " ",
  "",
];

const NASTY = [...INJECTIONS, ...UNICODE];

const edgeChars = fc.constantFrom("\u0000", "\uD800", "\uDFFF", "a", "%", "'", "\\", "_", "\u202E", "😀", "\u0085", "\u2028", " ", "-");

const HUGE_SIZES = [256, 1_000, 4_096, 33_000, 60_000, 70_000, 200_000];

/** Strings to hide anywhere: injection, unicode edge cases, random code points, and (up to maxHuge) long runs. */
function hostileString(maxHuge: number) {
  const options: fc.WeightedArbitrary<string>[] = [
    { weight: 4, arbitrary: fc.constantFrom(...NASTY) },
    { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
    { weight: 2, arbitrary: fc.string({ unit: edgeChars, minLength: 1, maxLength: 24 }) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...NASTY), fc.constantFrom(...NASTY), fc.string({ maxLength: 8 })).map(([a, b, c]) => a + c + b) },
  ];
  // Picked from the sizes that fit rather than filtered: a filter nothing passes never ends.
  const sizes = HUGE_SIZES.filter((size) => size <= maxHuge);
  if (sizes.length > 0) {
    options.push({
      weight: 1,
      arbitrary: fc
        .record({ size: fc.constantFrom(...sizes), unit: fc.constantFrom("x", "é", "😀", "\u0000", "'") })
        .map(({ size, unit }) => unit.repeat(Math.ceil(size / unit.length))),
    });
  }
  return fc.oneof(...options);
}

/** Raw JSON text, never built with JSON.stringify where that would recurse: nesting is spliced in as text. */
function deepJson() {
  return fc.record({ depth: fc.constantFrom(11, 64, 1_000, 9_000), kind: fc.constantFrom("array", "object", "mixed") }).map(({ depth, kind }) => {
    if (kind === "array") return "[".repeat(depth) + "]".repeat(depth);
    if (kind === "object") return '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
    return '{"a":['.repeat(depth) + "null" + "]}".repeat(depth);
  });
}

const PROTO_POLLUTION = [
  '{"__proto__":{"polluted":"yes","role":"admin"}}',
  '{"constructor":{"prototype":{"polluted":"yes"}}}',
  '{"__proto__":null}',
  '{"prototype":{"isAdmin":true}}',
  '[{"__proto__":{"polluted":"yes"}}]',
];

const WEIRD_LITERALS = ["null", "true", "false", "0", "-0", "-1", "1.5", "1e309", "-1e309", "9007199254740993", "1e-400", "[]", "{}", '""', "[null]", '{"$gt":""}', '{"$ne":null}', '{"$where":"sleep(1000)"}'];

/** Any JSON value as text: wrong types, hostile strings, pollution keys, deep and wide documents. */
const jsonFragment = fc.oneof(
  { weight: 5, arbitrary: hostileString(70_000).map((text) => JSON.stringify(text)) },
  { weight: 2, arbitrary: fc.constantFrom(...WEIRD_LITERALS, ...PROTO_POLLUTION) },
  { weight: 1, arbitrary: fc.integer().map(String) },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)) },
  { weight: 1, arbitrary: deepJson() },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)) },
  { weight: 1, arbitrary: fc.integer({ min: 50, max: 3_000 }).map((n) => `{${Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(",")}}`) },
);

const MALFORMED_JSON = [
  "",
  " ",
  "{",
  "}",
  '{"a":}',
  "[1,]",
  "{'a':1}",
  "undefined",
  "NaN",
  '{"a":1}garbage',
  "\uFEFF{}",
  '{"email":"x" /* comment */}',
  "nul",
  "tru",
  '"unterminated',
  '{"a":"\\x41"}',
  '{"a":"\\u12"}',
  "\u0000",
  '{"a":1,"a":2}',
  "[".repeat(70_000),
];

type BodyMutation =
  | { op: "raw"; text: string }
  | { op: "bytes"; bytes: number[] }
  | { op: "field"; field: string; fragment: string }
  | { op: "drop"; field: string }
  | { op: "extra"; key: string; fragment: string }
  | { op: "whole"; fragment: string };

function bodyMutation(fields: string[]) {
  const options: fc.WeightedArbitrary<BodyMutation>[] = [
    { weight: 2, arbitrary: fc.constantFrom(...MALFORMED_JSON).map((text): BodyMutation => ({ op: "raw", text })) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 60 }).map((text): BodyMutation => ({ op: "raw", text })) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom<number[]>([0xff, 0xfe, 0x7b, 0x7d], [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0x22, 0x7d], [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d], [0x00, 0x7b, 0x7d])
        .map((bytes): BodyMutation => ({ op: "bytes", bytes })),
    },
    { weight: 2, arbitrary: jsonFragment.map((fragment): BodyMutation => ({ op: "whole", fragment })) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.oneof(fc.constantFrom("__proto__", "constructor", "prototype", "$where", "$gt", "role", "orgId", "id", "userId", "passwordHash", ""), hostileString(300)), jsonFragment)
        .map(([key, fragment]): BodyMutation => ({ op: "extra", key, fragment })),
    },
  ];
  if (fields.length > 0) {
    options.push(
      { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...fields), jsonFragment).map(([field, fragment]): BodyMutation => ({ op: "field", field, fragment })) },
      { weight: 1, arbitrary: fc.constantFrom(...fields).map((field): BodyMutation => ({ op: "drop", field })) },
    );
  }
  return fc.oneof(...options);
}

const NOT_UUIDS = [
  "",
  "null",
  "undefined",
  "0",
  "-1",
  "true",
  "NaN",
  "' OR '1'='1",
  "1 OR 1=1",
  "00000000-0000-0000-0000-000000000000",
  "ffffffff-ffff-ffff-ffff-ffffffffffff",
  "12345678-1234-1234-1234-123456789012",
  "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}",
  "a0eebc999c0b4ef8bb6d6bb9bd380a11",
  "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11",
  "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11 ",
  "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1",
  "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11x",
  "..",
  ".",
  "me",
  "*",
  "$ne",
  '{"$gt":""}',
  "__proto__",
  "constructor",
  "\u0000",
  "\uD800",
  "a/b",
  "x".repeat(300),
];

/** Sent in the path as they are: escapes the router must decode or refuse. */
const RAW_SEGMENTS = ["%2e%2e", "%2F", "%00", "%ZZ", "%C0%AE", "%ED%A0%80", "%", "%25", "a%2Fb"];

type IdChoice =
  | { kind: "literal"; value: string }
  | { kind: "raw"; segment: string }
  | { kind: "foreign"; which: "org" | "resource" | "user" | "session" }
  | { kind: "own"; which: "org" | "resource" | "member" | "owner" | "session"; upper: boolean };

const idChoice: fc.Arbitrary<IdChoice> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NOT_UUIDS).map((value): IdChoice => ({ kind: "literal", value })) },
  { weight: 2, arbitrary: hostileString(200).map((value): IdChoice => ({ kind: "literal", value })) },
  { weight: 2, arbitrary: fc.uuid().map((value): IdChoice => ({ kind: "literal", value })) },
  { weight: 1, arbitrary: fc.constantFrom(...RAW_SEGMENTS).map((segment): IdChoice => ({ kind: "raw", segment })) },
  { weight: 3, arbitrary: fc.constantFrom("org", "resource", "user", "session").map((which): IdChoice => ({ kind: "foreign", which: which as "org" })) },
  {
    weight: 2,
    arbitrary: fc
      .record({ which: fc.constantFrom("org", "resource", "member", "owner", "session"), upper: fc.boolean() })
      .map(({ which, upper }): IdChoice => ({ kind: "own", which: which as "org", upper })),
  },
);

// A real cursor's shape: base64url of [timestamptz::text, id]. The cases break it in every way.
const encodeCursor = (value: unknown) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");
const TAMPERED_CURSORS = [
  encodeCursor(["2024-05-01 10:00:00.123456+00", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"]),
  encodeCursor(["1", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"]),
  encodeCursor(["2024-02-30 10:00:00+00", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"]),
  encodeCursor(["0001-01-01 00:00:00+00", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"]),
  encodeCursor(["1000-01-01 00:00:00+00", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"]),
  encodeCursor(["9999-12-31 23:59:59.999999-15:59:59", "ffffffff-ffff-ffff-ffff-ffffffffffff"]),
  encodeCursor(["2024-05-01 10:00:00+15:59:59", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"]),
  encodeCursor(["2024-05-01 10:00:00+00", "not-a-uuid"]),
  encodeCursor(["2024-05-01 10:00:00+00", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "extra"]),
  encodeCursor(["2024-05-01 10:00:00+00' OR '1'='1", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"]),
  encodeCursor({ o: -1 }),
  encodeCursor({ o: 1e9 }),
  encodeCursor({ o: "1" }),
  encodeCursor({ o: 1.5 }),
  encodeCursor({ $gt: "" }),
  encodeCursor("null"),
  encodeCursor("[]"),
  encodeCursor("not json"),
  encodeCursor([null, null]),
  encodeCursor(["\u0000", "\uD800"]),
  "eyJvIjoxfQ==",
  "++//==",
  "!!!!",
  "=",
  "A".repeat(513),
  "A".repeat(512),
];

const LIMITS = ["0", "-1", "201", "200", "1", "1e3", "1.5", "NaN", "Infinity", "-Infinity", " 5", "0x10", "", "99999999999999999999", "5,5", "[5]", "null", "true", "1 OR 1=1"];

const DATES = [
  "0000-01-01T00:00:00Z",
  "0001-01-01T00:00:00Z",
  "9999-12-31T23:59:59Z",
  "2024-02-30T00:00:00Z",
  "2024-02-29T00:00:00Z",
  "2023-02-29T00:00:00Z",
  "2024-01-01T00:00:00+99:99",
  "2024-01-01T00:00:00+23:59",
  "2024-01-01T24:00:00Z",
  "2024-01-01T00:00:60Z",
  "2024-01-01",
  "2024-01-01T00:00:00.123456789Z",
  "1970-01-01T00:00:00Z",
  "+275760-09-13T00:00:00Z",
];

const queryValue = fc.oneof(
  { weight: 3, arbitrary: hostileString(2_000) },
  { weight: 2, arbitrary: fc.constantFrom(...TAMPERED_CURSORS) },
  { weight: 2, arbitrary: fc.constantFrom(...LIMITS) },
  { weight: 2, arbitrary: fc.constantFrom(...DATES) },
  { weight: 1, arbitrary: fc.constantFrom(...NOT_UUIDS) },
  { weight: 1, arbitrary: fc.constantFrom("active", "disabled", "ACTIVE", "auth.login", "org.created", "voice.line", "a".repeat(51)) },
);

interface QueryMutation {
  pairs: [string, string][];
  /** Appended without encoding: malformed escapes and separators. */
  raw?: string;
}

function queryMutation(keys: string[]): fc.Arbitrary<QueryMutation> {
  const key = fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...keys, "limit", "cursor") },
    { weight: 1, arbitrary: fc.constantFrom("__proto__", "constructor", "limit[]", "a[b]", "$where", "toString", "") },
    { weight: 1, arbitrary: hostileString(100) },
  );
  return fc.record(
    {
      pairs: fc.array(fc.tuple(key, queryValue), { minLength: 1, maxLength: 4 }),
      raw: fc.constantFrom("%", "%%", "%ZZ", "%FF%FE", "%C0%AF", "%ED%A0%80", "%00", "a=%", "=", "&&&", "limit=%31%30", "cursor=%2B%2F%3D", "limit=1&limit=2"),
    },
    { requiredKeys: ["pairs"] },
  );
}

type AuthChoice =
  | { kind: "none" | "empty" | "scheme-only" | "own" | "lowercase-scheme" | "double-space" | "basic" | "outsider" | "revoked" | "expired" | "trailing-tab" | "twice" }
  | { kind: "truncated"; keep: number }
  | { kind: "extended"; extra: string }
  | { kind: "flipped"; at: number }
  | { kind: "random"; length: number }
  | { kind: "garbage"; value: string };

const headerSafe = (text: string) => [...text].filter((char) => /^[\t\x20-\x7e\x80-\xff]$/.test(char)).join("");

const authChoice: fc.Arbitrary<AuthChoice> = fc.oneof(
  fc.constantFrom<AuthChoice>(
    { kind: "none" },
    { kind: "empty" },
    { kind: "scheme-only" },
    { kind: "own" },
    { kind: "lowercase-scheme" },
    { kind: "double-space" },
    { kind: "basic" },
    { kind: "outsider" },
    { kind: "revoked" },
    { kind: "expired" },
    { kind: "trailing-tab" },
    { kind: "twice" },
  ),
  fc.integer({ min: 0, max: 42 }).map((keep): AuthChoice => ({ kind: "truncated", keep })),
  fc.constantFrom("x", "=", ".", "A".repeat(160), " extra").map((extra): AuthChoice => ({ kind: "extended", extra })),
  fc.integer({ min: 0, max: 42 }).map((at): AuthChoice => ({ kind: "flipped", at })),
  fc.constantFrom(19, 20, 43, 200, 201, 4_000).map((length): AuthChoice => ({ kind: "random", length })),
  hostileString(300).map((value): AuthChoice => ({ kind: "garbage", value: headerSafe(value) })),
);

const CONTENT_TYPES = [
  null,
  "application/json",
  "application/json; charset=utf-8",
  "APPLICATION/JSON",
  "text/plain",
  "text/json",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/json; charset=utf-16",
  "application/jsonp",
  "application/vnd.api+json",
  "application/problem+json",
  'application/json;charset="',
  "application/xml",
  "*/*",
  "",
  "application/json, text/plain",
];

interface HeaderMutation {
  auth: AuthChoice;
  contentType: string | null;
  requestId?: string;
  extra: [string, string][];
}

const headerMutation: fc.Arbitrary<HeaderMutation> = fc.record(
  {
    auth: authChoice,
    contentType: fc.constantFrom(...CONTENT_TYPES),
    requestId: fc.oneof(fc.constantFrom("abc", "a".repeat(129), "../../etc", "<script>", "id with space", "x;y", ""), hostileString(200).map(headerSafe)),
    extra: fc.array(
      fc.tuple(
        // No `expect`: node's HTTP server answers anything but 100-continue with its own 417 before
        // the emulator sees the request, and API Gateway sits in front of the handlers in AWS.
        fc.constantFrom("origin", "x-forwarded-for", "x-amzn-trace-id", "content-encoding", "accept", "cookie", "x-http-method-override", "user-agent", "accept-language"),
        fc.oneof(fc.constantFrom("https://evil.example", "gzip", "text/html", "DELETE", "1.2.3.4, ' OR 1=1", "a=b; c=d", "*;q=0"), hostileString(600).map(headerSafe)),
      ),
      { maxLength: 3 },
    ),
  },
  { requiredKeys: ["auth", "contentType", "extra"] },
);

type Mutation = { dim: "body"; body: BodyMutation } | { dim: "query"; query: QueryMutation } | { dim: "path"; param: string; id: IdChoice } | { dim: "headers"; headers: HeaderMutation };

/**
 * The sharpest values, tried in every field, query key and path parameter of every route: random
 * runs may miss one field; these never do.
 */
const SWEEP_FRAGMENTS = [
  '"\\u0000"',
  '"a\\u0000b"',
  '"\\ud800"',
  '"x\\udfffy"',
  JSON.stringify("x".repeat(40_000)),
  JSON.stringify("é".repeat(70_000)),
  JSON.stringify("' OR '1'='1"),
  JSON.stringify("\\"),
  JSON.stringify("%_"),
  "null",
  "-1",
  "1e309",
  "[]",
  '{"$ne":null}',
  '{"__proto__":{"polluted":"yes"}}',
  "[".repeat(5_000) + "]".repeat(5_000),
];
const SWEEP_QUERY_VALUES = ["\u0000", "a\u0000b", "\uD800", "x".repeat(2_000), "'", "\\", "%_", "0", "-1", "201", "1e3", "", TAMPERED_CURSORS[2]!, TAMPERED_CURSORS[7]!, "0000-01-01T00:00:00Z"];
const SWEEP_IDS = ["", "\u0000", "\uD800", "' OR '1'='1", "00000000-0000-0000-0000-000000000000", "a0eebc999c0b4ef8bb6d6bb9bd380a11", "x".repeat(300)];

// ---------------------------------------------------------------------------------------------
// Turning a mutation into bytes on the wire.

/** encodeURIComponent, but a lone surrogate goes out as the bytes a sloppy client would send. */
function encode(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return [...value]
      .map((char) => {
        if (!/\p{Cs}/u.test(char)) return encodeURIComponent(char);
        const unit = char.charCodeAt(0);
        return [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)].map((byte) => `%${byte.toString(16).toUpperCase()}`).join("");
      })
      .join("");
  }
}

/** The body's JSON text with one field's value replaced by raw text (which may itself be anything). */
function spliceBody(base: unknown, mutation: BodyMutation): string | Buffer | undefined {
  const object = base && typeof base === "object" && !Array.isArray(base) ? (base as Record<string, unknown>) : {};
  switch (mutation.op) {
    case "raw":
      return mutation.text;
    case "bytes":
      return Buffer.from(mutation.bytes);
    case "whole":
      return mutation.fragment;
    case "drop": {
      const { [mutation.field]: _, ...rest } = object;
      return JSON.stringify(rest);
    }
    case "field": {
      const marker = `__hostile_${randomBytes(6).toString("hex")}__`;
      return JSON.stringify({ ...object, [mutation.field]: marker }).replace(JSON.stringify(marker), () => mutation.fragment);
    }
    case "extra": {
      const rest = JSON.stringify(object);
      const head = `{${JSON.stringify(mutation.key)}:${mutation.fragment}`;
      return rest === "{}" ? `${head}}` : `${head},${rest.slice(1)}`;
    }
  }
}

function ownId(which: "org" | "resource" | "member" | "owner" | "session", w: World): string {
  return { org: w.orgId, resource: w.resourceId, member: w.memberUserId, owner: owner.userId, session: w.spareSessionId }[which];
}

function authHeader(choice: AuthChoice, token: string, w: World): string | undefined {
  const own = token || w.ownerToken;
  switch (choice.kind) {
    case "none":
      return undefined;
    case "empty":
      return "";
    case "scheme-only":
      return "Bearer";
    case "own":
      return `Bearer ${own}`;
    case "lowercase-scheme":
      return `bearer ${own}`;
    case "double-space":
      return `Bearer  ${own}`;
    case "basic":
      return `Basic ${Buffer.from(`${owner.email}:${PASSWORD}`).toString("base64")}`;
    case "outsider":
      return `Bearer ${w.outsiderToken}`;
    case "revoked":
      return `Bearer ${revokedToken}`;
    case "expired":
      return `Bearer ${expiredToken}`;
    case "trailing-tab":
      return `Bearer ${own}\t`;
    case "twice":
      return `Bearer ${own}, Bearer ${own}`;
    case "truncated":
      return `Bearer ${own.slice(0, choice.keep)}`;
    case "extended":
      return `Bearer ${own}${choice.extra}`;
    case "flipped": {
      const at = choice.at % own.length;
      const flipped = own[at] === "A" ? "B" : "A";
      return `Bearer ${own.slice(0, at)}${flipped}${own.slice(at + 1)}`;
    }
    case "random":
      return `Bearer ${randomBytes(choice.length).toString("base64url").slice(0, choice.length)}`;
    case "garbage":
      return choice.value;
  }
}

interface Wire {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** The path names another tenant's object: a success would be a cross-tenant leak. */
  foreign: boolean;
  label: string;
}

const CROSS_TENANT_PARAMS = new Set(["orgId", "resourceId", "sessionId", "invitationId"]);

function toWire(key: string, mutation: Mutation, w: World): Wire {
  const [method, template] = key.split(" ") as [string, string];
  const base = baseline(key, w);
  const token = tokenFor(key, w);
  const schemas = SCHEMAS[key]!;
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  let foreign = false;
  let label: string;

  const segments: Record<string, string> = {};
  for (const name of paramNames(key)) segments[name] = encode(base.params[name]!);
  let query = Object.entries(base.query).map(([k, v]) => `${encode(k)}=${encode(v)}`);
  let body: string | Buffer | undefined = base.body === undefined ? undefined : JSON.stringify(base.body);

  switch (mutation.dim) {
    case "body":
      body = spliceBody(base.body, mutation.body);
      label = `body ${mutation.body.op}${"field" in mutation.body ? ` ${mutation.body.field}` : ""}${"key" in mutation.body ? ` key ${JSON.stringify(mutation.body.key).slice(0, 40)}` : ""}`;
      break;
    case "query": {
      const overridden = new Set(mutation.query.pairs.map(([k]) => k));
      query = query.filter((pair) => !overridden.has(decodeURIComponent(pair.split("=")[0]!)));
      query.push(...mutation.query.pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`));
      if (mutation.query.raw) query.push(mutation.query.raw);
      label = `query ${mutation.query.pairs.map(([k]) => k.slice(0, 20)).join(",")}${mutation.query.raw ? ` +raw ${mutation.query.raw}` : ""}`;
      break;
    }
    case "path": {
      const id = mutation.id;
      if (id.kind === "literal") segments[mutation.param] = encode(id.value);
      else if (id.kind === "raw") segments[mutation.param] = id.segment;
      else if (id.kind === "own") segments[mutation.param] = encode(id.upper ? ownId(id.which, w).toUpperCase() : ownId(id.which, w));
      else {
        segments[mutation.param] = { org: w.foreign.orgId, resource: w.foreign.resourceId, user: w.foreign.userId, session: w.foreign.sessionId }[id.which];
        // Another tenant's org, resource or session in any slot of a scoped route must find nothing.
        foreign = paramNames(key).some((name) => CROSS_TENANT_PARAMS.has(name));
      }
      label = `path ${mutation.param}=${id.kind}${"which" in id ? `:${id.which}` : ""}`;
      break;
    }
    case "headers": {
      const h = mutation.headers;
      delete headers.authorization;
      const auth = authHeader(h.auth, token ?? "", w);
      if (auth !== undefined) headers.authorization = auth;
      if (h.requestId !== undefined) headers["x-request-id"] = h.requestId;
      for (const [name, value] of h.extra) headers[name] = value;
      if (h.contentType !== null) headers["content-type"] = h.contentType;
      // An outsider aiming at the owner's org (or the owner's session) must find nothing.
      if (h.auth.kind === "outsider" && paramNames(key).some((name) => CROSS_TENANT_PARAMS.has(name))) foreign = true;
      label = `headers auth=${h.auth.kind} content-type=${JSON.stringify(h.contentType)}`;
      break;
    }
  }
  if (body !== undefined && mutation.dim !== "headers") headers["content-type"] = "application/json";
  if (mutation.dim === "headers" && body === undefined && schemas.body === undefined && headers["content-type"]) body = "{}";

  const pathText = template.replace(/\{(\w+)\}/g, (_, name: string) => segments[name]!);
  return {
    method,
    path: query.length > 0 ? `${pathText}?${query.join("&")}` : pathText,
    headers,
    body: body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body, "utf8"),
    foreign,
    label,
  };
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

function send(wire: Wire): Promise<Answer> {
  const url = new URL(api.url);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...wire.headers };
    if (wire.body) headers["content-length"] = String(wire.body.byteLength);
    const req = httpRequest({ host: url.hostname, port: url.port, method: wire.method, path: wire.path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error("no answer within 30 s")));
    req.on("error", reject);
    req.end(wire.body);
  });
}

// ---------------------------------------------------------------------------------------------
// What must hold.

interface Snapshot {
  tables: Record<string, string>;
  audit: Record<string, number>;
}

/**
 * Per table: the row count and the sum of a 64-bit hash of every row's full text. Order-free, so
 * no sort, and any changed, added or removed row moves it.
 */
const rowSum = (table: string) => `(SELECT count(*) || ':' || coalesce(sum(hashtextextended(t::text, 0)), 0) FROM ${table} t) AS ${table}`;
const SNAPSHOT_SQL = `
  SELECT ${["users", "user_sessions", "organizations", "organization_members", "resources"].map(rowSum).join(", ")},
    (SELECT coalesce(json_object_agg(action, n), '{}'::json) FROM (SELECT action, count(*)::int AS n FROM audit_log GROUP BY action) a) AS audit`;

async function snapshot(): Promise<Snapshot> {
  const { rows } = await probe.query(SNAPSHOT_SQL);
  const { audit, ...tables } = rows[0] as Record<string, string> & { audit: Record<string, number> };
  return { tables, audit };
}

/**
 * The 4xx answers that leave a trace: a failed login or password change, and a refusal by a limit,
 * are what an operator looks for after a credential-stuffing attempt. They are written to audit_log
 * only, never to the tables checked above.
 */
const AUDITED_REFUSALS: Record<string, string[]> = {
  "POST /auth/login": ["auth.login_failed", "auth.rate_limited"],
  "POST /me/password": ["user.password_change_failed", "auth.rate_limited"],
  "POST /auth/register": ["auth.rate_limited"],
  "POST /orgs/{orgId}/invitations": ["auth.rate_limited"],
};

function auditGrowthAllowed(key: string, action: string): boolean {
  return AUDITED_REFUSALS[key]?.includes(action) ?? false;
}

function short(text: string, max = 300): string {
  const escaped = JSON.stringify(text);
  return escaped.length > max ? `${escaped.slice(0, max)}…(${text.length} chars)` : escaped;
}

function describeCase(key: string, wire: Wire, answer: Answer): string {
  return [
    `${key} [${wire.label}]`,
    `  sent ${wire.method} ${short(wire.path, 400)}`,
    `  headers ${short(JSON.stringify(wire.headers), 400)}`,
    wire.body ? `  body (${wire.body.byteLength} bytes) ${short(wire.body.toString("utf8"), 300)}` : "  no body",
    `  answered ${answer.status} ${answer.headers["content-type"] ?? ""} ${short(answer.text, 400)}`,
  ].join("\n");
}

function checkAnswer(key: string, wire: Wire, answer: Answer): void {
  const fail = (why: string) => {
    throw new Error(`${why}\n${describeCase(key, wire, answer)}`);
  };
  const schemas = SCHEMAS[key]!;
  if (answer.status >= 500) fail(`a ${answer.status}`);
  if (answer.status >= 200 && answer.status < 300) {
    if (wire.foreign) fail("a success for another tenant's object");
    if (!(answer.status in schemas.responses)) fail(`an undocumented success status ${answer.status}`);
    const schema = schemas.responses[answer.status];
    if (schema) {
      if (!String(answer.headers["content-type"]).startsWith("application/json")) fail("a success that is not application/json");
      const parsed = schema.safeParse(JSON.parse(answer.text));
      if (!parsed.success) fail(`a success body outside its documented schema: ${parsed.error.message.slice(0, 300)}`);
    }
    return;
  }
  if (!ERROR_STATUSES.has(answer.status)) fail(`an undocumented status ${answer.status}`);
  if (!String(answer.headers["content-type"]).startsWith("application/problem+json")) fail("a 4xx that is not problem+json");
  let problem: { status?: unknown; code?: unknown; requestId?: unknown; title?: unknown; detail?: unknown };
  try {
    problem = JSON.parse(answer.text);
  } catch {
    return fail("a problem+json body that does not parse");
  }
  if (problem.status !== answer.status) fail("problem.status differs from the HTTP status");
  if (typeof problem.code !== "string" || STATUS[problem.code as keyof typeof STATUS] !== answer.status) fail(`problem code ${String(problem.code)} is not documented for ${answer.status}`);
  if (typeof problem.requestId !== "string" || problem.requestId !== answer.headers["x-request-id"]) fail("problem.requestId missing or not the x-request-id header");
  if (typeof problem.title !== "string" || typeof problem.detail !== "string") fail("problem without title or detail");
}

function checkUnchanged(key: string, wire: Wire, answer: Answer, before: Snapshot, after: Snapshot): void {
  for (const [table, sum] of Object.entries(before.tables)) {
    if (after.tables[table] !== sum) throw new Error(`a ${answer.status} changed ${table} (${sum} → ${after.tables[table]})\n${describeCase(key, wire, answer)}`);
  }
  const actions = new Set([...Object.keys(before.audit), ...Object.keys(after.audit)]);
  for (const action of actions) {
    const grew = (after.audit[action] ?? 0) - (before.audit[action] ?? 0);
    if (grew !== 0 && !auditGrowthAllowed(key, action)) throw new Error(`a ${answer.status} changed audit_log (${action} ${grew > 0 ? "+" : ""}${grew})\n${describeCase(key, wire, answer)}`);
  }
}

/** The server runs in this process: a pollution that got through would show on every object here. */
function checkPrototypes(key: string, wire: Wire, answer: Answer): void {
  const polluted = Object.getOwnPropertyNames(Object.prototype).filter((name) => ["polluted", "role", "isAdmin"].includes(name));
  if (polluted.length > 0) throw new Error(`Object.prototype polluted with ${polluted.join(", ")}\n${describeCase(key, wire, answer)}`);
}

async function exercise(key: string, mutation: Mutation): Promise<void> {
  if (dirty) await rebuild();
  const wire = toWire(key, mutation, world);
  const before = known ?? (await snapshot());
  known = undefined;
  const answer = await send(wire);
  tally.set(answer.status, (tally.get(answer.status) ?? 0) + 1);
  checkAnswer(key, wire, answer);
  checkPrototypes(key, wire, answer);
  if (answer.status >= 400) {
    const after = await snapshot();
    checkUnchanged(key, wire, answer, before, after);
    known = after;
  } else if (wire.method !== "GET") {
    dirty = true;
    // Events are written through before the answer here (no queue): a change whose event could not
    // be stored (a value jsonb refuses in its details, say) would be a change with no trail. A no-op
    // success (the same name again) changes no row and owes no event.
    const after = await snapshot();
    const total = (audit: Record<string, number>) => Object.values(audit).reduce((sum, n) => sum + n, 0);
    const changed = Object.keys(before.tables).some((table) => before.tables[table] !== after.tables[table]);
    if (changed && total(after.audit) <= total(before.audit)) throw new Error(`a ${answer.status} that changed rows left no audit row\n${describeCase(key, wire, answer)}`);
  }
}

async function check(key: string, dimension: number, arbitrary: fc.Arbitrary<Mutation>): Promise<void> {
  const seed = SEED + ROUTE_KEYS.indexOf(key) * 10 + dimension;
  const details = await fc.check(
    fc.asyncProperty(arbitrary, (mutation) => exercise(key, mutation)),
    { seed, numRuns: RUNS, endOnFailure: true },
  );
  if (details.failed) {
    const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    throw new Error(`${cause}\n(seed ${details.seed}, path ${details.counterexamplePath ?? "-"}; replay with HOSTILE_SEED if it was changed)`);
  }
}

// ---------------------------------------------------------------------------------------------

beforeAll(async () => {
  // A database of this file's own: the row checksums must see only what these requests did, not
  // what other test files write to the shared run database at the same time.
  const shared = new URL(process.env.DATABASE_URL!);
  const maintenance = new URL(shared);
  maintenance.pathname = "/postgres";
  adminUrl = process.env.TEST_ADMIN_DATABASE_URL ?? maintenance.toString();
  const own = await createThrowawayDatabase({ adminUrl, prefix: "voxguard_hostile" });
  databaseName = own.name;
  dropOwn = own.drop;

  // S3 for the export route, on loopback; no audit queue, so events are written through before
  // the answer and the audit_log check sees them.
  aws = await startLocalAws();
  await aws.createBucket("voxguard-exports");
  delete process.env.AUDIT_QUEUE_URL;
  process.env.S3_BUCKET = "voxguard-exports";
  process.env.DATABASE_URL = own.url;
  process.env.CACHE_KEY_PREFIX = `vghostile:${databaseName}:`;
  // Hostile passwords should reach argon2 and the database, not stop at the failed-login limit.
  process.env.LOGIN_LIMIT_PER_ACCOUNT = "100000";
  process.env.LOGIN_LIMIT_PER_IP = "100000";
  for (const limit of ["EMAIL_RESEND_LIMIT", "PASSWORD_FORGOT_LIMIT_PER_ACCOUNT", "PASSWORD_FORGOT_LIMIT_PER_IP", "INVITATION_LIMIT_PER_ORG"]) process.env[limit] = "100000";
  reloadConfig();
  await closeDb();
  await closeCache();

  probe = new pg.Pool({ connectionString: own.url, max: 1 });
  api = await startApi();
  owner = await persona("owner");
  admin = await persona("admin", true);
  outsider = await persona("outsider");
  memberUserId = (await plainUser("member")).id;
  const revoked = await sessionOf(owner);
  await Session.logout({ type: "user", userId: owner.userId, sessionId: revoked.id, role: "user" });
  revokedToken = revoked.token;
  const expired = await sessionOf(owner);
  await db().updateTable("user_sessions").set({ expires_at: new Date(Date.now() - 60_000) }).where("id", "=", expired.id).execute();
  expiredToken = expired.token;
  expiredSessionId = expired.id;
  await rebuild();
}, 120_000);

afterAll(async () => {
  const statuses = [...tally].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`);
  console.log(`hostile input: seed ${SEED}, ${RUNS} runs a property, ${[...tally.values()].reduce((a, b) => a + b, 0)} requests; answers ${statuses.join(" ")}`);
  agent.destroy();
  await api?.close();
  await probe?.end();
  await closeDb();
  await closeCache();
  await aws?.close();
  await dropOwn?.();
});

describe("hostile input, every route of the route table", () => {
  it("has a valid baseline request for every route, and each one succeeds", async () => {
    for (const key of ROUTE_KEYS) {
      if (dirty) await rebuild();
      const wire = toWire(key, { dim: "headers", headers: { auth: { kind: "own" }, contentType: "application/json", extra: [] } }, world);
      const answer = await send(wire);
      expect(answer.status, describeCase(key, wire, answer)).toBeGreaterThanOrEqual(200);
      expect(answer.status, describeCase(key, wire, answer)).toBeLessThan(300);
      if (wire.method !== "GET") dirty = true;
    }
  });

  describe.each(ROUTE_KEYS)("%s", (key) => {
    const schemas = SCHEMAS[key]!;
    const params = paramNames(key);

    it("bodies: malformed JSON, wrong types, huge, deep, unicode, injection, pollution keys", async () => {
      await check(key, 0, bodyMutation(fieldsOf(schemas.body)).map((body): Mutation => ({ dim: "body", body })));
    });

    it("query strings: tampered cursors, out-of-range limits, injection, malformed escapes", async () => {
      await check(key, 1, queryMutation(fieldsOf(schemas.query)).map((query): Mutation => ({ dim: "query", query })));
    });

    it("headers: forged, truncated, revoked and foreign tokens; bad content types", async () => {
      await check(key, 2, headerMutation.map((headers): Mutation => ({ dim: "headers", headers })));
    });

    if (params.length > 0) {
      it("path ids: non-UUIDs, other tenants' ids, swapped ids, raw escapes", async () => {
        await check(key, 3, fc.tuple(fc.constantFrom(...params), idChoice).map(([param, id]): Mutation => ({ dim: "path", param, id })));
      });
    }

    it("sweep: the sharpest values in every field, query key and path parameter", async () => {
      const mutations: Mutation[] = [
        ...fieldsOf(schemas.body).flatMap((field) => SWEEP_FRAGMENTS.map((fragment): Mutation => ({ dim: "body", body: { op: "field", field, fragment } }))),
        ...fieldsOf(schemas.query).flatMap((name) => SWEEP_QUERY_VALUES.map((value): Mutation => ({ dim: "query", query: { pairs: [[name, value]] } }))),
        ...params.flatMap((param) => SWEEP_IDS.map((value): Mutation => ({ dim: "path", param, id: { kind: "literal", value } }))),
      ];
      for (const mutation of mutations) await exercise(key, mutation);
    });
  });
});
