/**
 * Credentials out of what the audit trail keeps. JSON documents (organization metadata, resource
 * config) are the client's own and may hold credentials under any key or inside any string, so
 * redaction goes by key name and by value: whatever sits under a secret-looking key, and
 * well-known credential shapes anywhere inside a string, keeping the rest of the string.
 */

export const REDACTED = "[redacted]";

// A key is split into words (camelCase, snake_case, kebab-case, dots) so that "author", "tokenizer"
// or "passenger" stay readable while "authToken", "db_pass" or "api-key" do not.
const SECRET_WORDS = new Set([
  "auth",
  "authorization",
  "bearer",
  "cookie",
  "cookies",
  "credential",
  "credentials",
  "creds",
  "dsn",
  "jwt",
  "otp",
  "pass",
  "passwd",
  "password",
  "passwords",
  "passphrase",
  "pwd",
  "secret",
  "secrets",
  "signature",
  "token",
  "tokens",
]);
// Run together without separators ("dbpassword", "APIKEY") or only secret as a pair of words.
const SECRET_RUNS =
  /password|passwd|passphrase|credential|api_?key|access_?key|private_?key|secret_?key|signing_?key|encryption_?key|master_?key|client_?secret|connection_?string/;

function words(key: string): string[] {
  return key
    .split(/(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word.toLowerCase());
}

export function isSecretKey(key: string): boolean {
  const parts = words(key);
  return (
    parts.some((word) => SECRET_WORDS.has(word)) ||
    SECRET_RUNS.test(parts.join("_")) ||
    SECRET_RUNS.test(parts.join(""))
  );
}

/** Value patterns and what replaces a match: each a credential whatever key it sits under. */
const PATTERNS: [RegExp, string | ((match: string, ...groups: string[]) => string)][] = [
  // A PEM private key (PKCS#1/#8, EC, OpenSSH, encrypted), to its END line or the end of the text.
  [
    /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$)/g,
    REDACTED,
  ],
  // The password of a URL's userinfo (scheme://user:password@host); up to the authority's last "@".
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/?#@]*):[^\s/?#]*@/gi, `$1:${REDACTED}@`],
  // A query parameter whose name looks secret (?access_token=…, &X-Amz-Signature=…).
  [
    /([?&;])([^=&#\s?;]+)=([^&#\s;]*)/g,
    (match, separator, name) => (isSecretKey(name!) ? `${separator}${name}=${REDACTED}` : match),
  ],
  // HTTP credentials: a scheme followed by something token-like (a digit or symbol, 8+ characters),
  // so "Bearer of good news" and "Basic information" stay.
  [
    /\b(Bearer|Basic|Token|Digest)(\s+)(?=[A-Za-z0-9\-._~+/]*[0-9\-._~+/=])[A-Za-z0-9\-._~+/]{8,}=*/gi,
    `$1$2${REDACTED}`,
  ],
  // AWS access key ids (long-term and temporary).
  [/\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|APKA)[A-Z0-9]{16}\b/g, REDACTED],
  // JSON web tokens: header and payload are base64url JSON objects.
  [/\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, REDACTED],
  // Tokens with a published prefix: GitHub, Slack, Stripe, Google API keys.
  [
    /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|[rs]k_(?:live|test)_[A-Za-z0-9]{10,}|AIza[0-9A-Za-z_-]{35})/g,
    REDACTED,
  ],
];

export function redactText(text: string): string {
  let out = text;
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement as string);
  return out;
}

/** A copy of a JSON value with secrets replaced by REDACTED; everything else, and the shape, kept. */
export function redact(value: unknown): unknown {
  if (typeof value === "string") return redactText(value);
  if (Array.isArray(value)) return value.map(redact);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, isSecretKey(key) ? REDACTED : redact(item)]),
    );
  }
  return value;
}
