// The stand-in's state: indexes, their field mappings and stored documents.
export type Json = Record<string, unknown>;

export interface FieldMapping {
  name: string;
  type: string;
  stored: boolean;
  indexed: boolean;
  fast: boolean;
  tokenizer: string;
  record: string;
  inputFormats: string[];
  outputFormat: string;
}

export interface IndexState {
  metadata: Json;
  mode: string;
  fields: Map<string, FieldMapping>;
  timestampField: string | undefined;
  defaultSearchFields: string[];
  docs: StoredDoc[];
  commitTimeoutMs: number;
  /** When the first document of the open (uncommitted) split arrived. */
  openSince: number | undefined;
}

export interface StoredDoc {
  seq: number;
  /** The document as a hit returns it (stored fields, datetimes in their output format). */
  hit: Json;
  /** Field values as parsed: strings, numbers, epoch milliseconds for datetimes, objects for json. */
  values: Map<string, unknown[]>;
  timestampMs: number | undefined;
  /** The commit that makes it searchable (epoch ms). */
  visibleAt: number;
}

export class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export function isObject(value: unknown): value is Json {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
