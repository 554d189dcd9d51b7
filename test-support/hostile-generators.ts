import fc from "fast-check";

/**
 * What functions/hostile-input.test.ts sends: hostile strings and JSON, and the mutations of a
 * valid request's body, query, path ids and headers, as fast-check arbitraries and fixed sweeps.
 */
export const INJECTIONS = [
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
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, sent as it is
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

export const UNICODE = [
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

export const NASTY = [...INJECTIONS, ...UNICODE];

export const edgeChars = fc.constantFrom(
  "\u0000",
  "\uD800",
  "\uDFFF",
  "a",
  "%",
  "'",
  "\\",
  "_",
  "\u202E",
  "😀",
  "\u0085",
  "\u2028",
  " ",
  "-",
);

export const HUGE_SIZES = [256, 1_000, 4_096, 33_000, 60_000, 70_000, 200_000];

/** Strings to hide anywhere: injection, unicode edge cases, random code points, and (up to maxHuge) long runs. */
export function hostileString(maxHuge: number) {
  const options: fc.WeightedArbitrary<string>[] = [
    { weight: 4, arbitrary: fc.constantFrom(...NASTY) },
    { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
    { weight: 2, arbitrary: fc.string({ unit: edgeChars, minLength: 1, maxLength: 24 }) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom(...NASTY), fc.constantFrom(...NASTY), fc.string({ maxLength: 8 }))
        .map(([a, b, c]) => a + c + b),
    },
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
export function deepJson() {
  return fc
    .record({ depth: fc.constantFrom(11, 64, 1_000, 9_000), kind: fc.constantFrom("array", "object", "mixed") })
    .map(({ depth, kind }) => {
      if (kind === "array") return "[".repeat(depth) + "]".repeat(depth);
      if (kind === "object") return `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
      return `${'{"a":['.repeat(depth)}null${"]}".repeat(depth)}`;
    });
}

export const PROTO_POLLUTION = [
  '{"__proto__":{"polluted":"yes","role":"admin"}}',
  '{"constructor":{"prototype":{"polluted":"yes"}}}',
  '{"__proto__":null}',
  '{"prototype":{"isAdmin":true}}',
  '[{"__proto__":{"polluted":"yes"}}]',
];

export const WEIRD_LITERALS = [
  "null",
  "true",
  "false",
  "0",
  "-0",
  "-1",
  "1.5",
  "1e309",
  "-1e309",
  "9007199254740993",
  "1e-400",
  "[]",
  "{}",
  '""',
  "[null]",
  '{"$gt":""}',
  '{"$ne":null}',
  '{"$where":"sleep(1000)"}',
];

/** Any JSON value as text: wrong types, hostile strings, pollution keys, deep and wide documents. */
export const jsonFragment = fc.oneof(
  { weight: 5, arbitrary: hostileString(70_000).map((text) => JSON.stringify(text)) },
  { weight: 2, arbitrary: fc.constantFrom(...WEIRD_LITERALS, ...PROTO_POLLUTION) },
  { weight: 1, arbitrary: fc.integer().map(String) },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)) },
  { weight: 1, arbitrary: deepJson() },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 50, max: 3_000 })
      .map((n) => `{${Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(",")}}`),
  },
);

export const MALFORMED_JSON = [
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

export type BodyMutation =
  | { op: "raw"; text: string }
  | { op: "bytes"; bytes: number[] }
  | { op: "field"; field: string; fragment: string }
  | { op: "drop"; field: string }
  | { op: "extra"; key: string; fragment: string }
  | { op: "whole"; fragment: string };

export function bodyMutation(fields: string[]) {
  const options: fc.WeightedArbitrary<BodyMutation>[] = [
    { weight: 2, arbitrary: fc.constantFrom(...MALFORMED_JSON).map((text): BodyMutation => ({ op: "raw", text })) },
    {
      weight: 1,
      arbitrary: fc.string({ unit: "binary", maxLength: 60 }).map((text): BodyMutation => ({ op: "raw", text })),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom<number[]>(
          [0xff, 0xfe, 0x7b, 0x7d],
          [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0x22, 0x7d],
          [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d],
          [0x00, 0x7b, 0x7d],
        )
        .map((bytes): BodyMutation => ({ op: "bytes", bytes })),
    },
    { weight: 2, arbitrary: jsonFragment.map((fragment): BodyMutation => ({ op: "whole", fragment })) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.oneof(
            fc.constantFrom(
              "__proto__",
              "constructor",
              "prototype",
              "$where",
              "$gt",
              "role",
              "orgId",
              "id",
              "userId",
              "passwordHash",
              "",
            ),
            hostileString(300),
          ),
          jsonFragment,
        )
        .map(([key, fragment]): BodyMutation => ({ op: "extra", key, fragment })),
    },
  ];
  if (fields.length > 0) {
    options.push(
      {
        weight: 6,
        arbitrary: fc
          .tuple(fc.constantFrom(...fields), jsonFragment)
          .map(([field, fragment]): BodyMutation => ({ op: "field", field, fragment })),
      },
      { weight: 1, arbitrary: fc.constantFrom(...fields).map((field): BodyMutation => ({ op: "drop", field })) },
    );
  }
  return fc.oneof(...options);
}

export const NOT_UUIDS = [
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
export const RAW_SEGMENTS = ["%2e%2e", "%2F", "%00", "%ZZ", "%C0%AE", "%ED%A0%80", "%", "%25", "a%2Fb"];

export type IdChoice =
  | { kind: "literal"; value: string }
  | { kind: "raw"; segment: string }
  | { kind: "foreign"; which: "org" | "resource" | "user" | "session" }
  | { kind: "own"; which: "org" | "resource" | "member" | "owner" | "session"; upper: boolean };

export const idChoice: fc.Arbitrary<IdChoice> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NOT_UUIDS).map((value): IdChoice => ({ kind: "literal", value })) },
  { weight: 2, arbitrary: hostileString(200).map((value): IdChoice => ({ kind: "literal", value })) },
  { weight: 2, arbitrary: fc.uuid().map((value): IdChoice => ({ kind: "literal", value })) },
  { weight: 1, arbitrary: fc.constantFrom(...RAW_SEGMENTS).map((segment): IdChoice => ({ kind: "raw", segment })) },
  {
    weight: 3,
    arbitrary: fc
      .constantFrom("org", "resource", "user", "session")
      .map((which): IdChoice => ({ kind: "foreign", which: which as "org" })),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({ which: fc.constantFrom("org", "resource", "member", "owner", "session"), upper: fc.boolean() })
      .map(({ which, upper }): IdChoice => ({ kind: "own", which: which as "org", upper })),
  },
);

// A real cursor's shape: base64url of [timestamptz::text, id]. The cases break it in every way.
export const encodeCursor = (value: unknown) =>
  Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");
export const TAMPERED_CURSORS = [
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

export const LIMITS = [
  "0",
  "-1",
  "201",
  "200",
  "1",
  "1e3",
  "1.5",
  "NaN",
  "Infinity",
  "-Infinity",
  " 5",
  "0x10",
  "",
  "99999999999999999999",
  "5,5",
  "[5]",
  "null",
  "true",
  "1 OR 1=1",
];

export const DATES = [
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

export const queryValue = fc.oneof(
  { weight: 3, arbitrary: hostileString(2_000) },
  { weight: 2, arbitrary: fc.constantFrom(...TAMPERED_CURSORS) },
  { weight: 2, arbitrary: fc.constantFrom(...LIMITS) },
  { weight: 2, arbitrary: fc.constantFrom(...DATES) },
  { weight: 1, arbitrary: fc.constantFrom(...NOT_UUIDS) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "active",
      "disabled",
      "ACTIVE",
      "auth.login",
      "org.created",
      "voice.line",
      "a".repeat(51),
    ),
  },
);

export interface QueryMutation {
  pairs: [string, string][];
  /** Appended without encoding: malformed escapes and separators. */
  raw?: string;
}

export function queryMutation(keys: string[]): fc.Arbitrary<QueryMutation> {
  const key = fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...keys, "limit", "cursor") },
    { weight: 1, arbitrary: fc.constantFrom("__proto__", "constructor", "limit[]", "a[b]", "$where", "toString", "") },
    { weight: 1, arbitrary: hostileString(100) },
  );
  return fc.record(
    {
      pairs: fc.array(fc.tuple(key, queryValue), { minLength: 1, maxLength: 4 }),
      raw: fc.constantFrom(
        "%",
        "%%",
        "%ZZ",
        "%FF%FE",
        "%C0%AF",
        "%ED%A0%80",
        "%00",
        "a=%",
        "=",
        "&&&",
        "limit=%31%30",
        "cursor=%2B%2F%3D",
        "limit=1&limit=2",
      ),
    },
    { requiredKeys: ["pairs"] },
  );
}

export type AuthChoice =
  | {
      kind:
        | "none"
        | "empty"
        | "scheme-only"
        | "own"
        | "lowercase-scheme"
        | "double-space"
        | "basic"
        | "outsider"
        | "revoked"
        | "expired"
        | "trailing-tab"
        | "twice";
    }
  | { kind: "truncated"; keep: number }
  | { kind: "extended"; extra: string }
  | { kind: "flipped"; at: number }
  | { kind: "random"; length: number }
  | { kind: "garbage"; value: string };

export const headerSafe = (text: string) => [...text].filter((char) => /^[\t\x20-\x7e\x80-\xff]$/.test(char)).join("");

export const authChoice: fc.Arbitrary<AuthChoice> = fc.oneof(
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

export const CONTENT_TYPES = [
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

export interface HeaderMutation {
  auth: AuthChoice;
  contentType: string | null;
  requestId?: string;
  extra: [string, string][];
}

export const headerMutation: fc.Arbitrary<HeaderMutation> = fc.record(
  {
    auth: authChoice,
    contentType: fc.constantFrom(...CONTENT_TYPES),
    requestId: fc.oneof(
      fc.constantFrom("abc", "a".repeat(129), "../../etc", "<script>", "id with space", "x;y", ""),
      hostileString(200).map(headerSafe),
    ),
    extra: fc.array(
      fc.tuple(
        // No `expect`: node's HTTP server answers anything but 100-continue with its own 417 before
        // the emulator sees the request, and API Gateway sits in front of the handlers in AWS.
        fc.constantFrom(
          "origin",
          "x-forwarded-for",
          "x-amzn-trace-id",
          "content-encoding",
          "accept",
          "cookie",
          "x-http-method-override",
          "user-agent",
          "accept-language",
        ),
        fc.oneof(
          fc.constantFrom(
            "https://evil.example",
            "gzip",
            "text/html",
            "DELETE",
            "1.2.3.4, ' OR 1=1",
            "a=b; c=d",
            "*;q=0",
          ),
          hostileString(600).map(headerSafe),
        ),
      ),
      { maxLength: 3 },
    ),
  },
  { requiredKeys: ["auth", "contentType", "extra"] },
);

export type Mutation =
  | { dim: "body"; body: BodyMutation }
  | { dim: "query"; query: QueryMutation }
  | { dim: "path"; param: string; id: IdChoice }
  | { dim: "headers"; headers: HeaderMutation };

/**
 * The sharpest values, tried in every field, query key and path parameter of every route: random
 * runs may miss one field; these never do.
 */
export const SWEEP_FRAGMENTS = [
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
export const SWEEP_QUERY_VALUES = [
  "\u0000",
  "a\u0000b",
  "\uD800",
  "x".repeat(2_000),
  "'",
  "\\",
  "%_",
  "0",
  "-1",
  "201",
  "1e3",
  "",
  TAMPERED_CURSORS[2]!,
  TAMPERED_CURSORS[7]!,
  "0000-01-01T00:00:00Z",
];
export const SWEEP_IDS = [
  "",
  "\u0000",
  "\uD800",
  "' OR '1'='1",
  "00000000-0000-0000-0000-000000000000",
  "a0eebc999c0b4ef8bb6d6bb9bd380a11",
  "x".repeat(300),
];
