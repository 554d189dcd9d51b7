import * as z from "../zod/index.ts";
import { hasLoneSurrogate, textProblem } from "./text.ts";
import { unicodePattern } from "./unicode-pattern.ts";

export const MAX_JSON_BYTES = 32 * 1024;
export const MAX_JSON_DEPTH = 10;

export type JsonObject = { [key: string]: unknown };

function isPlainObject(value: unknown): value is JsonObject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * The first reason `value` is not an acceptable JSON document, if any. The walk stops at the depth
 * limit, so a maliciously deep body costs at most MAX_JSON_DEPTH frames and never reaches zod's or
 * JSON.stringify's recursion.
 */
function jsonProblem(value: unknown, level: number, path: string): string | undefined {
  if (value === null || typeof value === "boolean") return undefined;
  if (typeof value === "number") return Number.isFinite(value) ? undefined : `${path}: numbers must be finite`;
  if (typeof value === "string") {
    const problem = textProblem(value);
    return problem && `${path}: strings ${problem}`;
  }
  if (Array.isArray(value) || isPlainObject(value)) {
    if (level > MAX_JSON_DEPTH) return `nested deeper than ${MAX_JSON_DEPTH} levels`;
    const entries: [string, unknown][] = Array.isArray(value)
      ? value.map((item, index) => [String(index), item])
      : Object.entries(value);
    for (const [key, item] of entries) {
      if (!Array.isArray(value)) {
        const problem = textProblem(key);
        if (problem) return `${path}: keys ${problem}`;
      }
      const problem = jsonProblem(item, level + 1, `${path}.${key}`);
      if (problem) return problem;
    }
    return undefined;
  }
  return `${path}: not a JSON value`;
}

/**
 * A JSON object of at most 32 KiB (serialized, UTF-8) and 10 levels of nesting: organization
 * metadata and resource config. A custom schema rather than z.record: zod copies records key by key
 * and would silently drop a "__proto__" key.
 */
export const BoundedJsonObject = z
  .custom<JsonObject>((value) => isPlainObject(value), { message: "Expected a JSON object" })
  .check(
    z.superRefine((value, context) => {
      const problem = jsonProblem(value, 1, "$");
      if (problem) {
        context.addIssue({ code: "custom", message: problem });
        return;
      }
      const bytes = Buffer.byteLength(JSON.stringify(value), "utf8");
      if (bytes > MAX_JSON_BYTES) {
        context.addIssue({ code: "custom", message: `Larger than ${MAX_JSON_BYTES} bytes serialized (${bytes})` });
      }
    }),
    z.meta({
      type: "object",
      additionalProperties: true,
      description: `A JSON object, at most ${MAX_JSON_BYTES} bytes serialized and ${MAX_JSON_DEPTH} levels deep`,
    }),
  );

// What a name must not carry, since other people see it: C0/C1 controls and DEL (terminal escapes,
// line breaks), bidi embeddings, overrides, isolates and marks (text that reads in another order
// than it is stored), invisible characters and line/paragraph separators.
const INVISIBLE =
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u115f\u1160\u180e\u200b\u200e\u200f\u2028-\u202e\u2060-\u206f\u3164\ufeff\uffa0\ufff0-\ufffb]/u;
// ZWNJ and ZWJ are part of how Persian, the Indic scripts and emoji sequences are written: allowed
// between two letters, marks or pictographs, refused anywhere they could only hide something.
const strayJoiner = unicodePattern(
  String.raw`(?<![\p{L}\p{M}\p{Extended_Pictographic}])[\u200c\u200d]|[\u200c\u200d](?![\p{L}\p{M}\p{Extended_Pictographic}])`,
);

/** Why `text` can't be a name people see, if it can't. */
export function labelProblem(text: string): string | undefined {
  if (INVISIBLE.test(text)) return "must not contain control, bidi or invisible characters";
  if (strayJoiner().test(text)) return "must not contain a joiner outside a word";
  if (hasLoneSurrogate(text)) return "must be valid Unicode";
  return undefined;
}

/**
 * A single-line name people see (display names, organization and resource names): NFC-normalised,
 * so one name has one spelling, trimmed, 1–255 characters, letters of every script, and nothing that
 * hides or reorders text or that PostgreSQL would refuse.
 */
export const Label = z.string().check(
  z.trim(),
  z.normalize("NFC"),
  z.minLength(1),
  z.maxLength(255),
  z.superRefine((text, context) => {
    const problem = labelProblem(text);
    if (problem) context.addIssue({ code: "custom", message: problem });
  }),
);
