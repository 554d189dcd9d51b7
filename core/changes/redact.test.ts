import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { REDACTED, redact } from "./index.ts";

// Secrets as clients put them into resource configs and organization metadata.
const PASSWORD = "Sup3r-S3cret!pw";
const secretValues = fc.constantFrom(
  `postgres://svc:${PASSWORD}@db.internal:5432/app`,
  `see mysql://root:${PASSWORD}@10.0.0.7/db for details`,
  `redis://:${PASSWORD}@cache:6379/0`,
  `amqps://user:${PASSWORD}@mq.example.com/vhost`,
  `https://deploy:${PASSWORD}@git.example.com/repo.git`,
  `-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA${PASSWORD}\n-----END RSA PRIVATE KEY-----`,
  `key: -----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA${PASSWORD}\n-----END OPENSSH PRIVATE KEY----- end`,
  `-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0${PASSWORD}`,
  "AKIAIOSFODNN7EXAMPLE",
  "aws ASIAY34FZKBOKMUTVV7A used",
  `Authorization: Bearer ${PASSWORD}.abc`,
  `bearer ${PASSWORD}`,
  `Basic ${Buffer.from(`u:${PASSWORD}`).toString("base64")}`,
  `https://api.example.com/hook?user=a&access_token=${PASSWORD}&x=1`,
  `ghp_${"a1B2c3D4e5".repeat(3)}abcdef`,
  `xoxb-123456789012-${PASSWORD}`,
  "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
  "AIzaSyA-1234567890abcdefghijklmnopqrstu",
  `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.${PASSWORD}`,
);
/** What must not survive redaction of each secret value above. */
const FRAGMENTS = [
  PASSWORD,
  "AKIAIOSFODNN7EXAMPLE",
  "ASIAY34FZKBOKMUTVV7A",
  Buffer.from(`u:${PASSWORD}`).toString("base64"),
  "a1B2c3D4e5a1B2c3D4e5",
  "MIIEowIBAAKCAQEA",
  "b3BlbnNzaC1rZXktdjEAAAAA",
  "MIIEvQIBADANBgkqhkiG9w0",
  "4eC39HqLyjWDarjtT1zdp7dc",
  "1234567890abcdefghijklmnopqrstu",
];

const secretKeys = fc.constantFrom(
  "password",
  "dbPassword",
  "pwd",
  "passwd",
  "secret",
  "clientSecret",
  "client_secret",
  "token",
  "accessToken",
  "apiKey",
  "api-key",
  "accessKey",
  "access_key_id",
  "secretAccessKey",
  "privateKey",
  "private_key",
  "dsn",
  "DSN",
  "sentryDsn",
  "auth",
  "authToken",
  "basicAuth",
  "credentials",
  "Credential",
  "authorization",
  "cookie",
  "signingSecret",
  "connectionString",
  "passphrase",
  "sessionToken",
);

// Ordinary values: words, numbers, hosts and URLs without credentials, e-mail addresses, keys that
// merely contain a secret-looking word inside another one.
const ordinaryKeys = fc.constantFrom(
  "name",
  "region",
  "url",
  "host",
  "port",
  "author",
  "authority",
  "tokenizer",
  "keyboard",
  "monkey",
  "passenger",
  "description",
  "tags",
  "email",
  "secretary",
  "oauthProvider",
);
const ordinaryStrings = fc.oneof(
  fc.string({ unit: fc.constantFrom(..."abcdefghij XYZ-_.,:/0123456789é李"), maxLength: 30 }),
  fc.constantFrom(
    "https://example.com/path?q=1",
    "postgres://db.internal:5432/app",
    "mailto:someone@example.com",
    "ops@example.com",
    "Bearer of good news",
    "The basics",
    "AKIA is a prefix",
    "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI public",
    "user@host:path",
    "http://user@example.com/",
  ),
);

function json(keys: fc.Arbitrary<string>, strings: fc.Arbitrary<string>) {
  return fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      strings,
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie("value"), { maxLength: 4 }),
      fc.dictionary(keys, tie("value"), { maxKeys: 4 }),
    ),
  })).value;
}

/** Puts `secret` somewhere inside `value` (under an ordinary key, or as an array item). */
function plant(value: unknown, secret: unknown, path: number[]): unknown {
  if (Array.isArray(value) && value.length > 0 && path.length > 0) {
    const index = path[0]! % value.length;
    return value.map((item, i) => (i === index ? plant(item, secret, path.slice(1)) : item));
  }
  if (
    value !== null &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    Object.keys(value).length > 0 &&
    path.length > 0
  ) {
    const keys = Object.keys(value);
    const key = keys[path[0]! % keys.length]!;
    return { ...value, [key]: plant((value as Record<string, unknown>)[key], secret, path.slice(1)) };
  }
  return {
    ...(value !== null && typeof value === "object" && !Array.isArray(value) ? value : { was: value }),
    note: secret,
  };
}

describe("redact", () => {
  it("removes secret values anywhere in nested JSON, by value", () => {
    fc.assert(
      fc.property(
        json(ordinaryKeys, ordinaryStrings),
        secretValues,
        fc.array(fc.nat(), { maxLength: 6 }),
        (doc, secret, path) => {
          const out = JSON.stringify(redact(plant(doc, secret, path)));
          for (const fragment of FRAGMENTS) expect(out).not.toContain(fragment);
          expect(out).toContain(REDACTED);
        },
      ),
      { numRuns: 400 },
    );
  });

  it("removes whatever sits under a secret-looking key, objects and arrays included", () => {
    fc.assert(
      fc.property(
        json(ordinaryKeys, ordinaryStrings),
        secretKeys,
        json(ordinaryKeys, ordinaryStrings),
        fc.array(fc.nat(), { maxLength: 6 }),
        (doc, key, inner, path) => {
          const marker = { [key]: { inner, pw: "hunter2-marker" } };
          const out = JSON.stringify(redact(plant(doc, marker, path)));
          expect(out).not.toContain("hunter2-marker");
          expect(out).toContain(`${JSON.stringify(key)}:${JSON.stringify(REDACTED)}`);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("leaves ordinary values, keys and the shape alone", () => {
    fc.assert(
      fc.property(json(ordinaryKeys, ordinaryStrings), (doc) => {
        expect(redact(doc)).toEqual(doc);
      }),
      { numRuns: 400 },
    );
  });

  it("is idempotent", () => {
    fc.assert(
      fc.property(json(fc.oneof(ordinaryKeys, secretKeys), fc.oneof(ordinaryStrings, secretValues)), (doc) => {
        const once = redact(doc);
        expect(redact(once)).toEqual(once);
      }),
      { numRuns: 300 },
    );
  });

  it("keeps the rest of a string around a credential", () => {
    expect(redact({ url: "postgres://svc:PASSWORD@db/app" })).toEqual({ url: `postgres://svc:${REDACTED}@db/app` });
    expect(redact("use https://u:p%40ss@h.example/x?token=abc&b=2 now")).toBe(
      `use https://u:${REDACTED}@h.example/x?token=${REDACTED}&b=2 now`,
    );
    expect(redact("Authorization: Bearer abc.def-ghi")).toBe(`Authorization: Bearer ${REDACTED}`);
    expect(redact(["AKIAIOSFODNN7EXAMPLE", 3, null])).toEqual([REDACTED, 3, null]);
  });
});
