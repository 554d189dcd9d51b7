import { redact } from "./redact.ts";

export { REDACTED, isSecretKey, redact, redactText } from "./redact.ts";

/** JSON with sorted keys: jsonb reorders keys, so plain JSON.stringify would see changes that aren't. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * What an audit event says about a change: the fields that changed, before and after. JSON
 * documents (org metadata, resource config) may hold credentials a client put there, so both sides
 * are redacted (see redact.ts) before they reach the trail.
 */
// A type alias, not an interface: it has to fit audit details' Record<string, unknown>.
export type Changes = {
  before: Record<string, unknown>;
  after: Record<string, unknown>;
};

/** The fields of `after` whose value differs from `before` (compared as JSON), redacted. */
export function diff(before: Record<string, unknown>, after: Record<string, unknown>): Changes | undefined {
  const changes: Changes = { before: {}, after: {} };
  let changed = false;
  for (const [key, value] of Object.entries(after)) {
    if (value === undefined || canonical(value) === canonical(before[key])) continue;
    changes.before[key] = redact(before[key] ?? null);
    changes.after[key] = redact(value);
    changed = true;
  }
  return changed ? changes : undefined;
}

/** All given fields (creation and deletion record the whole object on one side). */
export function snapshot(fields: Record<string, unknown>): Record<string, unknown> {
  return redact(fields) as Record<string, unknown>;
}
