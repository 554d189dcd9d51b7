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
import { insertInvitation, insertResource } from "../test-support/org-routes.ts";
import {
  bodyMutation,
  headerMutation,
  idChoice,
  queryMutation,
  SWEEP_FRAGMENTS,
  SWEEP_IDS,
  SWEEP_QUERY_VALUES,
  type AuthChoice,
  type BodyMutation,
  type Mutation,
} from "../test-support/hostile-generators.ts";
import { createThrowawayDatabase } from "../test-support/throwaway-database.ts";
import { STATUS } from "./edge/problem.ts";
import type { RouteDefinition } from "./edge/route-definition.ts";
import { routeSchemas } from "./responses.ts";
import { routes } from "./routes.ts";

/**
 * Hostile input, generated from the route table: every route gets malformed and oversized bodies,
 * wrong types, injection strings, unicode edge cases, tampered query strings and cursors, foreign
 * and malformed path ids, and forged headers. Each answer must be a documented 4xx or a documented
 * success, never a 5xx; a 4xx is problem+json and leaves every row as it was.
 *
 * Fixed seed and bounded runs, so CI sees the same cases every time. `npm test` tries a few cases
 * a property, and the sweep's sharpest values in every field; `npm run test:fuzz` runs this file
 * alone with many more (vitest.fuzz.config.ts). HOSTILE_SEED / HOSTILE_RUNS explore further by hand.
 */
const SEED = Number(process.env.HOSTILE_SEED ?? 20_250_607);
const RUNS = Number(process.env.HOSTILE_RUNS ?? 5);

const TABLE = routes as Record<string, RouteDefinition>;
const ROUTE_KEYS = Object.keys(TABLE);
const SCHEMAS = routeSchemas(TABLE);
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
  const row = await db()
    .selectFrom("users")
    .select("password_hash")
    .where("id", "=", signed.user.id)
    .executeTakeFirstOrThrow();
  return {
    userId: signed.user.id,
    email: signed.email,
    passwordHash: row.password_hash!,
    role: platformAdmin ? "admin" : "user",
  };
}

async function plainUser(label: string): Promise<{ id: string; email: string }> {
  const id = randomUUID();
  const email = `${label}-${id}@example.test`;
  await db().insertInto("users").values({ id, email, display_name: label, password_hash: null }).execute();
  return { id, email };
}

async function sessionOf(user: Persona): Promise<{ id: string; token: string }> {
  return Session.create(
    { id: user.userId, role: user.role, status: "active" },
    { ip: "127.0.0.1", userAgent: "hostile-input" },
  );
}

async function seedOrg(
  ownerId: string,
  extraMembers: string[],
): Promise<{ orgId: string; resourceId: string; invitationId: string }> {
  const orgId = randomUUID();
  await db()
    .insertInto("organizations")
    .values({
      id: orgId,
      name: `Hostile ${orgId.slice(0, 8)}`,
      slug: `hostile-${orgId}`,
      metadata: JSON.stringify({ seeded: true }),
    })
    .execute();
  await db()
    .insertInto("organization_members")
    .values([
      { org_id: orgId, user_id: ownerId, role: "owner" },
      ...extraMembers.map((userId) => ({ org_id: orgId, user_id: userId, role: "member" as const })),
    ])
    .execute();
  const resourceId = await insertResource(orgId, "Line", "+15550100");
  const invitationId = await insertInvitation(orgId, ownerId);
  return { orgId, resourceId, invitationId };
}

/**
 * A fresh world after a success that may have spent it (a deleted org, a revoked session, a
 * suspended or demoted persona, a changed password). 4xx answers change nothing, so only then.
 */
async function rebuild(): Promise<void> {
  for (const user of [owner, admin, outsider]) {
    await db()
      .updateTable("users")
      .set({ status: "active", role: user.role, password_hash: user.passwordHash })
      .where("id", "=", user.userId)
      .execute();
  }
  await db().updateTable("users").set({ status: "active" }).where("id", "=", memberUserId).execute();
  // What earlier worlds and successful cases left behind goes, so the tables (and the cost of
  // checksumming them before and after every case) stay small.
  await db().deleteFrom("organizations").execute();
  await db().deleteFrom("user_sessions").where("id", "!=", expiredSessionId).execute();
  const own = await seedOrg(owner.userId, [memberUserId]);
  const other = await seedOrg(outsider.userId, []);
  const ownersInvitation = await insertInvitation(other.orgId, outsider.userId, {
    email: owner.email.toLowerCase(),
    role: "viewer",
  });
  const issue = (purpose: Token.Purpose, extra: { userId?: string; invitationId?: string }) =>
    Token.issue({ purpose, email: owner.email, ttlSeconds: 3600, ...extra });
  const tokens = {
    verify: await issue("verify_email", { userId: owner.userId }),
    reset: await issue("password_reset", { userId: owner.userId }),
    invitation: await issue("invitation", { invitationId: ownersInvitation }),
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
    foreign: {
      orgId: other.orgId,
      resourceId: other.resourceId,
      userId: outsider.userId,
      sessionId: outsiderSpare!.id,
    },
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
  const params = {
    orgId: w.orgId,
    resourceId: w.resourceId,
    userId: w.memberUserId,
    sessionId: w.spareSessionId,
    invitationId: w.invitationId,
  };
  const example =
    TABLE[key]!.example?.({ params, email: owner.email, password: PASSWORD, unique: randomUUID(), tokens: w.tokens }) ??
    {};
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
        return [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)]
          .map((byte) => `%${byte.toString(16).toUpperCase()}`)
          .join("");
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
      return JSON.stringify({ ...object, [mutation.field]: marker }).replace(
        JSON.stringify(marker),
        () => mutation.fragment,
      );
    }
    case "extra": {
      const rest = JSON.stringify(object);
      const head = `{${JSON.stringify(mutation.key)}:${mutation.fragment}`;
      return rest === "{}" ? `${head}}` : `${head},${rest.slice(1)}`;
    }
  }
}

function ownId(which: "org" | "resource" | "member" | "owner" | "session", w: World): string {
  return {
    org: w.orgId,
    resource: w.resourceId,
    member: w.memberUserId,
    owner: owner.userId,
    session: w.spareSessionId,
  }[which];
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
      else if (id.kind === "own")
        segments[mutation.param] = encode(id.upper ? ownId(id.which, w).toUpperCase() : ownId(id.which, w));
      else {
        segments[mutation.param] = {
          org: w.foreign.orgId,
          resource: w.foreign.resourceId,
          user: w.foreign.userId,
          session: w.foreign.sessionId,
        }[id.which];
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
  if (mutation.dim === "headers" && body === undefined && schemas.body === undefined && headers["content-type"])
    body = "{}";

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
    const req = httpRequest(
      { host: url.hostname, port: url.port, method: wire.method, path: wire.path, headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }),
        );
        res.on("error", reject);
      },
    );
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
const rowSum = (table: string) =>
  `(SELECT count(*) || ':' || coalesce(sum(hashtextextended(t::text, 0)), 0) FROM ${table} t) AS ${table}`;
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
      if (!String(answer.headers["content-type"]).startsWith("application/json"))
        fail("a success that is not application/json");
      const parsed = schema.safeParse(JSON.parse(answer.text));
      if (!parsed.success) fail(`a success body outside its documented schema: ${parsed.error.message.slice(0, 300)}`);
    }
    return;
  }
  if (!ERROR_STATUSES.has(answer.status)) fail(`an undocumented status ${answer.status}`);
  if (!String(answer.headers["content-type"]).startsWith("application/problem+json"))
    fail("a 4xx that is not problem+json");
  let problem: { status?: unknown; code?: unknown; requestId?: unknown; title?: unknown; detail?: unknown };
  try {
    problem = JSON.parse(answer.text);
  } catch {
    fail("a problem+json body that does not parse");
    return;
  }
  if (problem.status !== answer.status) fail("problem.status differs from the HTTP status");
  if (typeof problem.code !== "string" || STATUS[problem.code as keyof typeof STATUS] !== answer.status)
    fail(`problem code ${String(problem.code)} is not documented for ${answer.status}`);
  if (typeof problem.requestId !== "string" || problem.requestId !== answer.headers["x-request-id"])
    fail("problem.requestId missing or not the x-request-id header");
  if (typeof problem.title !== "string" || typeof problem.detail !== "string") fail("problem without title or detail");
}

function checkUnchanged(key: string, wire: Wire, answer: Answer, before: Snapshot, after: Snapshot): void {
  for (const [table, sum] of Object.entries(before.tables)) {
    if (after.tables[table] !== sum)
      throw new Error(
        `a ${answer.status} changed ${table} (${sum} → ${after.tables[table]})\n${describeCase(key, wire, answer)}`,
      );
  }
  const actions = new Set([...Object.keys(before.audit), ...Object.keys(after.audit)]);
  for (const action of actions) {
    const grew = (after.audit[action] ?? 0) - (before.audit[action] ?? 0);
    if (grew !== 0 && !auditGrowthAllowed(key, action))
      throw new Error(
        `a ${answer.status} changed audit_log (${action} ${grew > 0 ? "+" : ""}${grew})\n${describeCase(key, wire, answer)}`,
      );
  }
}

/** The server runs in this process: a pollution that got through would show on every object here. */
function checkPrototypes(key: string, wire: Wire, answer: Answer): void {
  const polluted = Object.getOwnPropertyNames(Object.prototype).filter((name) =>
    ["polluted", "role", "isAdmin"].includes(name),
  );
  if (polluted.length > 0)
    throw new Error(`Object.prototype polluted with ${polluted.join(", ")}\n${describeCase(key, wire, answer)}`);
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
    if (changed && total(after.audit) <= total(before.audit))
      throw new Error(`a ${answer.status} that changed rows left no audit row\n${describeCase(key, wire, answer)}`);
  }
}

async function check(key: string, dimension: number, arbitrary: fc.Arbitrary<Mutation>): Promise<void> {
  const seed = SEED + ROUTE_KEYS.indexOf(key) * 10 + dimension;
  const details = await fc.check(
    fc.asyncProperty(arbitrary, (mutation) => exercise(key, mutation)),
    { seed, numRuns: RUNS, endOnFailure: true },
  );
  if (details.failed) {
    const cause =
      details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    throw new Error(
      `${cause}\n(seed ${details.seed}, path ${details.counterexamplePath ?? "-"}; replay with HOSTILE_SEED if it was changed)`,
    );
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
  for (const limit of [
    "EMAIL_RESEND_LIMIT",
    "PASSWORD_FORGOT_LIMIT_PER_ACCOUNT",
    "PASSWORD_FORGOT_LIMIT_PER_IP",
    "INVITATION_LIMIT_PER_ORG",
  ])
    process.env[limit] = "100000";
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
  await db()
    .updateTable("user_sessions")
    .set({ expires_at: new Date(Date.now() - 60_000) })
    .where("id", "=", expired.id)
    .execute();
  expiredToken = expired.token;
  expiredSessionId = expired.id;
  await rebuild();
}, 120_000);

afterAll(async () => {
  const statuses = [...tally].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`);
  console.log(
    `hostile input: seed ${SEED}, ${RUNS} runs a property, ${[...tally.values()].reduce((a, b) => a + b, 0)} requests; answers ${statuses.join(" ")}`,
  );
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
      const wire = toWire(
        key,
        { dim: "headers", headers: { auth: { kind: "own" }, contentType: "application/json", extra: [] } },
        world,
      );
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
      await check(
        key,
        0,
        bodyMutation(fieldsOf(schemas.body)).map((body): Mutation => ({ dim: "body", body })),
      );
    });

    it("query strings: tampered cursors, out-of-range limits, injection, malformed escapes", async () => {
      await check(
        key,
        1,
        queryMutation(fieldsOf(schemas.query)).map((query): Mutation => ({ dim: "query", query })),
      );
    });

    it("headers: forged, truncated, revoked and foreign tokens; bad content types", async () => {
      await check(
        key,
        2,
        headerMutation.map((headers): Mutation => ({ dim: "headers", headers })),
      );
    });

    if (params.length > 0) {
      it("path ids: non-UUIDs, other tenants' ids, swapped ids, raw escapes", async () => {
        await check(
          key,
          3,
          fc.tuple(fc.constantFrom(...params), idChoice).map(([param, id]): Mutation => ({ dim: "path", param, id })),
        );
      });
    }

    it("sweep: the sharpest values in every field, query key and path parameter", async () => {
      const mutations: Mutation[] = [
        ...fieldsOf(schemas.body).flatMap((field) =>
          SWEEP_FRAGMENTS.map((fragment): Mutation => ({ dim: "body", body: { op: "field", field, fragment } })),
        ),
        ...fieldsOf(schemas.query).flatMap((name) =>
          SWEEP_QUERY_VALUES.map((value): Mutation => ({ dim: "query", query: { pairs: [[name, value]] } })),
        ),
        ...params.flatMap((param) =>
          SWEEP_IDS.map((value): Mutation => ({ dim: "path", param, id: { kind: "literal", value } })),
        ),
      ];
      for (const mutation of mutations) await exercise(key, mutation);
    });
  });
});
