// Index config validation, with Quickwit's rules and messages.
import { HttpError, isObject, type FieldMapping, type IndexState } from "./model.ts";

import { INDEX_ID_PATTERN as INDEX_ID } from "@voxguard/core/search/schema";

export { INDEX_ID };
export const FIELD_NAME = /^[@$_\-a-zA-Z][@$_/.\-a-zA-Z0-9]{0,254}$/;
export const CONFIG_VERSIONS = new Set(["0.7", "0.8", "0.9"]);
export const TOKENIZERS = new Set([
  "raw",
  "raw_lowercase",
  "default",
  "en_stem",
  "whitespace",
  "chinese_compatible",
  "lowercase",
]);
export const DATE_INPUT_FORMATS = new Set(["iso8601", "rfc2822", "rfc3339", "unix_timestamp"]);
export const DATE_OUTPUT_FORMATS = new Set([
  "iso8601",
  "rfc2822",
  "rfc3339",
  "unix_timestamp_secs",
  "unix_timestamp_millis",
  "unix_timestamp_micros",
  "unix_timestamp_nanos",
]);
export const COMMON_KEYS = ["name", "type", "description", "stored", "indexed", "fast"];
export const KEYS_BY_TYPE: Record<string, string[]> = {
  text: [...COMMON_KEYS, "tokenizer", "record", "fieldnorms"],
  json: [...COMMON_KEYS, "tokenizer", "record", "expand_dots"],
  datetime: [...COMMON_KEYS, "input_formats", "output_format", "fast_precision"],
  ip: COMMON_KEYS,
  bool: COMMON_KEYS,
  i64: [...COMMON_KEYS, "coerce", "output_format"],
  u64: [...COMMON_KEYS, "coerce", "output_format"],
  f64: [...COMMON_KEYS, "coerce", "output_format"],
  bytes: [...COMMON_KEYS, "input_format", "output_format"],
};
export const INDEX_CONFIG_KEYS = new Set([
  "version",
  "index_id",
  "index_uri",
  "doc_mapping",
  "indexing_settings",
  "search_settings",
  "retention",
]);
export const DOC_MAPPING_KEYS = new Set([
  "field_mappings",
  "mode",
  "dynamic_mapping",
  "tag_fields",
  "store_source",
  "timestamp_field",
  "partition_key",
  "max_num_partitions",
  "index_field_presence",
  "tokenizers",
  "store_document_size",
  "doc_mapping_uid",
]);
export const DURATION =
  /^\s*(\d+\s*(nsec|ns|usec|us|msec|ms|seconds|second|sec|s|minutes|minute|min|m|hours|hour|hr|h|days|day|d|weeks|week|w|months|month|M|years|year|y)\s*)+$/;
export const SCHEDULES = new Set([
  "hourly",
  "daily",
  "weekly",
  "monthly",
  "yearly",
  "@hourly",
  "@daily",
  "@weekly",
  "@monthly",
  "@yearly",
]);

export function invalid(message: string): never {
  throw new HttpError(400, `invalid config: ${message}`);
}

export function validateIndexConfig(config: unknown): IndexState {
  if (!isObject(config)) invalid("the index config must be an object");
  if (typeof config.version !== "string" || !CONFIG_VERSIONS.has(config.version)) {
    invalid(`unknown variant \`${String(config.version)}\`, expected \`0.9\` or \`0.8\``);
  }
  for (const key of Object.keys(config)) if (!INDEX_CONFIG_KEYS.has(key)) invalid(`unknown field \`${key}\``);
  const indexId = config.index_id;
  if (typeof indexId !== "string" || !INDEX_ID.test(indexId)) {
    invalid(
      `index identifier \`${String(indexId)}\` is invalid: it must start with a letter and contain only ASCII letters, digits, hyphens and underscores (3 to 255 characters)`,
    );
  }
  const mapping = config.doc_mapping;
  if (!isObject(mapping)) invalid("missing field `doc_mapping`");
  for (const key of Object.keys(mapping)) if (!DOC_MAPPING_KEYS.has(key)) invalid(`unknown field \`${key}\``);
  const mode = mapping.mode ?? "dynamic";
  if (mode !== "dynamic" && mode !== "lenient" && mode !== "strict") invalid(`unknown variant \`${String(mode)}\``);
  const rawFields = mapping.field_mappings ?? [];
  if (!Array.isArray(rawFields)) invalid("`field_mappings` must be a list");
  const fields = new Map<string, FieldMapping>();
  for (const raw of rawFields) {
    const field = validateField(raw);
    if (fields.has(field.name)) invalid(`duplicated field definition \`${field.name}\``);
    fields.set(field.name, field);
  }

  const timestampField = mapping.timestamp_field;
  if (timestampField !== undefined && timestampField !== null) {
    if (typeof timestampField !== "string") invalid("`timestamp_field` must be a string");
    const field = fields.get(timestampField);
    if (!field) invalid(`could not find timestamp field \`${timestampField}\` in field mappings`);
    if (field.type !== "datetime") invalid(`timestamp field \`${timestampField}\` should be a datetime field`);
    if (!field.fast) invalid(`timestamp field \`${timestampField}\` should be a fast field`);
  }

  const searchSettings = config.search_settings;
  if (searchSettings !== undefined && !isObject(searchSettings)) invalid("`search_settings` must be an object");
  const defaultSearchFields = (searchSettings?.default_search_fields ?? []) as unknown;
  if (!Array.isArray(defaultSearchFields)) invalid("`default_search_fields` must be a list");
  for (const name of defaultSearchFields) {
    const field = typeof name === "string" ? fields.get(name) : undefined;
    if (!field && mode !== "dynamic") invalid(`unknown default search field \`${String(name)}\``);
    if (field && !field.indexed) invalid(`default search field \`${String(name)}\` is not indexed`);
  }

  const indexing = config.indexing_settings ?? {};
  if (!isObject(indexing)) invalid("`indexing_settings` must be an object");
  const commitTimeoutSecs = indexing.commit_timeout_secs ?? 60;
  if (typeof commitTimeoutSecs !== "number" || !Number.isInteger(commitTimeoutSecs) || commitTimeoutSecs < 1) {
    invalid(`invalid type: \`commit_timeout_secs\` must be a positive integer, got \`${String(commitTimeoutSecs)}\``);
  }

  const retention = config.retention;
  if (retention !== undefined) {
    if (!isObject(retention)) invalid("`retention` must be an object");
    if (typeof retention.period !== "string" || !DURATION.test(retention.period)) {
      invalid(`failed to parse retention period \`${String(retention.period)}\``);
    }
    const schedule = retention.schedule ?? "hourly";
    if (typeof schedule !== "string" || (!SCHEDULES.has(schedule) && schedule.trim().split(/\s+/).length < 5)) {
      invalid(`failed to parse retention schedule \`${String(schedule)}\``);
    }
    if (timestampField === undefined || timestampField === null) invalid("retention policy requires a timestamp field");
  }

  return {
    metadata: {
      version: config.version,
      index_uid: `${indexId}:${Date.now().toString(36).toUpperCase().padStart(26, "0")}`,
      index_config: structuredClone(config),
      checkpoint: {},
      create_timestamp: Math.floor(Date.now() / 1000),
      sources: [],
    },
    mode,
    fields,
    timestampField: timestampField ?? undefined,
    defaultSearchFields: defaultSearchFields as string[],
    docs: [],
    commitTimeoutMs: commitTimeoutSecs * 1000,
    openSince: undefined,
  };
}

export function validateField(raw: unknown): FieldMapping {
  if (!isObject(raw)) invalid("a field mapping must be an object");
  const name = raw.name;
  if (typeof name !== "string" || !FIELD_NAME.test(name)) invalid(`illegal field name \`${String(name)}\``);
  const type = raw.type;
  const allowed = typeof type === "string" ? KEYS_BY_TYPE[type] : undefined;
  if (!allowed) invalid(`error while parsing field \`${name}\`: unknown type \`${String(type)}\``);
  for (const key of Object.keys(raw)) {
    if (!allowed.includes(key)) invalid(`error while parsing field \`${name}\`: unknown field \`${key}\``);
  }
  const tokenizer = raw.tokenizer ?? (type === "text" ? "default" : "raw");
  if (typeof tokenizer !== "string" || !TOKENIZERS.has(tokenizer))
    invalid(`unknown tokenizer \`${String(tokenizer)}\``);
  const record = raw.record ?? "basic";
  if (record !== "basic" && record !== "freq" && record !== "position")
    invalid(`unknown variant \`${String(record)}\``);
  const inputFormats = (raw.input_formats ?? ["rfc3339", "unix_timestamp"]) as unknown;
  if (type === "datetime") {
    if (!Array.isArray(inputFormats) || inputFormats.length === 0) invalid("`input_formats` must be a non-empty list");
    for (const format of inputFormats) {
      if (typeof format !== "string" || (!DATE_INPUT_FORMATS.has(format) && !format.includes("%")))
        invalid(`unknown input format \`${String(format)}\``);
    }
    const output = raw.output_format ?? "rfc3339";
    if (typeof output !== "string" || !DATE_OUTPUT_FORMATS.has(output))
      invalid(`unknown output format \`${String(output)}\``);
    const precision = raw.fast_precision ?? "seconds";
    if (!["seconds", "milliseconds", "microseconds", "nanoseconds"].includes(precision as string)) {
      invalid(`unknown variant \`${String(precision)}\``);
    }
  }
  const fast = raw.fast;
  if (fast !== undefined && typeof fast !== "boolean" && !isObject(fast))
    invalid(`\`fast\` of field \`${name}\` must be a boolean or an object`);
  return {
    name,
    type: type as string,
    stored: raw.stored !== false,
    indexed: raw.indexed !== false,
    fast: fast === true || isObject(fast),
    tokenizer,
    record,
    inputFormats: inputFormats as string[],
    outputFormat: (raw.output_format as string | undefined) ?? "rfc3339",
  };
}
