import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from "node:crypto";
import { config, ConfigError, type Config } from "../config/index.ts";
import { JwkSet, PrivateJwk, PublicJwk, type JwkSet as JwkSetType } from "./jwk.ts";

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
}

/** RFC 7638 thumbprint: the key id needs no naming scheme and can't be claimed by another key. */
export function thumbprint(jwk: { x: string }): string {
  return createHash("sha256")
    .update(JSON.stringify({ crv: "Ed25519", kty: "OKP", x: jwk.x }))
    .digest("base64url");
}

/** A fresh private key as the AuditSealKey secret holds it. */
export function generateSealKey(): PrivateJwk {
  const { privateKey } = generateKeyPairSync("ed25519");
  const jwk = privateKey.export({ format: "jwk" }) as { x: string; d: string };
  return { kty: "OKP", crv: "Ed25519", x: jwk.x, d: jwk.d, kid: thumbprint(jwk), use: "sig", alg: "EdDSA" };
}

export function publicJwk(jwk: { x: string }): JwkSetType["keys"][number] {
  return { kty: "OKP", crv: "Ed25519", x: jwk.x, kid: thumbprint(jwk), use: "sig", alg: "EdDSA" };
}

/** Verification keys by id from a JWK set (or a bare array of JWKs); other key types are skipped. */
export function keysFromJwks(input: unknown): Map<string, KeyObject> {
  const list = Array.isArray(input) ? input : ((input as { keys?: unknown } | null)?.keys ?? []);
  const keys = new Map<string, KeyObject>();
  for (const item of Array.isArray(list) ? list : []) {
    const parsed = PublicJwk().safeParse(item);
    if (!parsed.success) continue;
    keys.set(
      thumbprint(parsed.data),
      createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: parsed.data.x }, format: "jwk" }),
    );
  }
  return keys;
}

interface Loaded {
  from: Config;
  signing: SigningKey | undefined;
  published: JwkSetType;
  verifying: Map<string, KeyObject>;
}
let loaded: Loaded | undefined;

function load(): Loaded {
  const settings = config();
  if (loaded?.from === settings) return loaded;
  let signing: SigningKey | undefined;
  const published: JwkSetType = { keys: [] };
  if (settings.auditSeal.privateKey) {
    // The message names the variable, never its value.
    const jwk = PrivateJwk().safeParse(parseJson(settings.auditSeal.privateKey));
    if (!jwk.success)
      throw new ConfigError("VoxGuard cannot start: AUDIT_SEAL_KEY is malformed (expected an Ed25519 private JWK)");
    try {
      const privateKey = createPrivateKey({
        key: { kty: "OKP", crv: "Ed25519", x: jwk.data.x, d: jwk.data.d },
        format: "jwk",
      });
      // x must belong to d: a mismatched pair would sign seals nobody can verify.
      const derived = createPublicKey(privateKey).export({ format: "jwk" }) as { x: string };
      if (derived.x !== jwk.data.x) throw new Error("mismatch");
      signing = { kid: thumbprint(jwk.data), privateKey };
      published.keys.push(publicJwk(jwk.data));
    } catch {
      throw new ConfigError("VoxGuard cannot start: AUDIT_SEAL_KEY is malformed (its x is not the public half of d)");
    }
  }
  const listed = parseJson(settings.auditSeal.publicKeys);
  const extra = Array.isArray(listed) ? listed : (listed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(extra) || extra.some((item) => !PublicJwk().safeParse(item).success)) {
    throw new ConfigError(
      "VoxGuard cannot start: AUDIT_SEAL_PUBLIC_KEYS is malformed (expected a JSON array or set of Ed25519 public JWKs)",
    );
  }
  // A deployed sealer must not sign with a key the API would not publish: nobody could verify it.
  if (signing && extra.length > 0 && !(extra as PublicJwk[]).some((item) => item.x === published.keys[0]!.x)) {
    throw new ConfigError(
      `VoxGuard cannot start: AUDIT_SEAL_PUBLIC_KEYS does not list AUDIT_SEAL_KEY's public half (kid ${signing.kid})`,
    );
  }
  for (const item of extra as PublicJwk[]) {
    if (!published.keys.some((key) => key.x === item.x)) published.keys.push(publicJwk(item));
  }
  loaded = { from: settings, signing, published: JwkSet().parse(published), verifying: keysFromJwks(published) };
  return loaded;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The key new seals are signed with; undefined where no private key is configured. */
export function signingKey(): SigningKey | undefined {
  return load().signing;
}

/** Every key a seal may name: the current one and the retired ones (GET /.well-known/…). */
export function publishedKeys(): JwkSetType {
  return load().published;
}

export function verificationKeys(): Map<string, KeyObject> {
  return load().verifying;
}

export function signMessage(key: SigningKey, message: string): string {
  return sign(null, Buffer.from(message, "utf8"), key.privateKey).toString("base64url");
}

export function verifyMessage(key: KeyObject, message: string, signature: string): boolean {
  try {
    return verify(null, Buffer.from(message, "utf8"), key, Buffer.from(signature, "base64url"));
  } catch {
    return false;
  }
}
