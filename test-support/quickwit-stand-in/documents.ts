// Documents: parsing an ingested one against its index's mapping, dates, and sorting hits.
import { isIP } from "node:net";
import { HttpError, isObject, type FieldMapping, type IndexState, type Json, type StoredDoc } from "./model.ts";

export function parseDoc(index: IndexState, doc: Json, seq: number): StoredDoc {
  const hit: Json = {};
  const values = new Map<string, unknown[]>();
  let timestampMs: number | undefined;
  for (const [key, value] of Object.entries(doc)) {
    const field = index.fields.get(key);
    if (!field) {
      if (index.mode === "strict") {
        throw new Error(`the document contains a field that is not declared in the schema: ${JSON.stringify(key)}`);
      }
      if (index.mode === "dynamic") {
        hit[key] = value;
        values.set(key, [value]);
      }
      continue;
    }
    if (value === null) continue;
    const items = Array.isArray(value) ? value.filter((item) => item !== null) : [value];
    if (items.length === 0) continue;
    if (Array.isArray(value) && key === index.timestampField) {
      throw new Error(
        `the document contains an array of values but a single value is expected: ${JSON.stringify(key)}`,
      );
    }
    const parsed = items.map((item) => parseValue(field, item));
    values.set(key, parsed);
    if (key === index.timestampField) timestampMs = parsed[0] as number;
    if (field.stored) {
      const shown = parsed.map((item) =>
        field.type === "datetime" ? formatDate(item as number, field.outputFormat) : item,
      );
      hit[key] = Array.isArray(value) ? shown : shown[0];
    }
  }
  if (index.timestampField !== undefined && timestampMs === undefined) {
    throw new Error('the document must contain field "timestamp field is required"');
  }
  return { seq, hit, values, timestampMs, visibleAt: Number.POSITIVE_INFINITY };
}

export function parseValue(field: FieldMapping, value: unknown): unknown {
  const bad = (expected: string): never => {
    throw new Error(
      `the field \`${field.name}\` could not be parsed: expected ${expected}, got \`${JSON.stringify(value)}\``,
    );
  };
  switch (field.type) {
    case "text":
      return typeof value === "string" ? value : bad("string");
    case "json":
      return isObject(value) ? value : bad("JSON object");
    case "ip":
      return typeof value === "string" && isIP(value) !== 0 ? value : bad("IP address");
    case "bool":
      return typeof value === "boolean" ? value : bad("boolean");
    case "i64":
    case "u64":
    case "f64": {
      const number = typeof value === "string" ? Number(value) : value;
      if (typeof number !== "number" || !Number.isFinite(number)) return bad("number");
      if (field.type !== "f64" && !Number.isInteger(number)) return bad("integer");
      if (field.type === "u64" && number < 0) return bad("unsigned integer");
      return number;
    }
    case "datetime":
      return parseDate(field, value) ?? bad(`datetime in one of ${field.inputFormats.join(", ")}`);
    default:
      return value;
  }
}

export const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

export function parseDate(field: FieldMapping, value: unknown): number | undefined {
  for (const format of field.inputFormats) {
    if ((format === "rfc3339" || format === "iso8601") && typeof value === "string" && RFC3339.test(value)) {
      const ms = Date.parse(value);
      if (!Number.isNaN(ms)) return ms;
    }
    if (format === "rfc2822" && typeof value === "string" && /^[A-Z][a-z]{2}, /.test(value)) {
      const ms = Date.parse(value);
      if (!Number.isNaN(ms)) return ms;
    }
    if (format === "unix_timestamp") {
      const number = typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
      if (typeof number === "number" && Number.isFinite(number)) return unixToMs(number);
    }
  }
  return undefined;
}

/** Integer precision inferred from the digit count, floats as seconds, as Quickwit documents. */
export function unixToMs(value: number): number {
  if (!Number.isInteger(value)) return value * 1000;
  const abs = Math.abs(value);
  if (abs < 1e11) return value * 1000;
  if (abs < 1e14) return value;
  if (abs < 1e17) return Math.trunc(value / 1000);
  return Math.trunc(value / 1e6);
}

export function formatDate(ms: number, format: string): unknown {
  switch (format) {
    case "unix_timestamp_secs":
      return Math.floor(ms / 1000);
    case "unix_timestamp_millis":
      return ms;
    case "unix_timestamp_micros":
      return ms * 1000;
    case "unix_timestamp_nanos":
      return ms * 1_000_000;
    case "rfc2822":
      return new Date(ms).toUTCString();
    default:
      return new Date(ms).toISOString();
  }
}

export function sortDocs(docs: StoredDoc[], index: IndexState, sortBy: string): StoredDoc[] {
  const keys = sortBy
    .split(",")
    .filter(Boolean)
    .map((part) => {
      // Quickwit's mini-language: descending by default, `-` for ascending, `+` for descending.
      const ascending = part.startsWith("-");
      const name = part.replace(/^[+-]/, "").trim();
      if (name !== "_score") {
        const field = index.fields.get(name);
        if (!field) throw new HttpError(400, `Invalid argument: unknown field used in \`sort by\`: ${name}`);
        if (!field.fast)
          throw new HttpError(
            400,
            `Invalid argument: sort by field must be a fast field, please add the fast property to your field \`${name}\``,
          );
      }
      return { name, ascending };
    });
  // Without sort fields (or on `_score`, which the stand-in does not compute) Quickwit returns
  // docs by descending doc id: the newest ingested first.
  const tieAscending = keys[0]?.name !== "_score" && keys[0]?.ascending === true;
  return [...docs].sort((a, b) => {
    for (const key of keys) {
      if (key.name === "_score") continue;
      const left = a.values.get(key.name)?.[0];
      const right = b.values.get(key.name)?.[0];
      // A doc without the value sorts after every doc with one, in either direction.
      if (left === undefined && right === undefined) continue;
      if (left === undefined) return 1;
      if (right === undefined) return -1;
      const order = compareValues(left, right);
      if (order !== 0) return key.ascending ? order : -order;
    }
    return tieAscending ? a.seq - b.seq : b.seq - a.seq;
  });
}

export function compareValues(left: unknown, right: unknown): number {
  if (typeof left === "number" && typeof right === "number") return left - right;
  const a = String(left);
  const b = String(right);
  return a < b ? -1 : a > b ? 1 : 0;
}
