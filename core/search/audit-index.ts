import { isIP } from "node:net";
import type { QuickwitFieldMapping, QuickwitIndexConfig } from "./quickwit.ts";
import { DEFAULT_AUDIT_INDEX_ID, DEFAULT_AUDIT_RETENTION } from "./schema.ts";

export { DEFAULT_AUDIT_INDEX_ID, DEFAULT_AUDIT_RETENTION } from "./schema.ts";

/**
 * Seconds from an event's ingest to the commit that makes it searchable. Quickwit's default is 60;
 * an audit search a minute behind looks broken to the admin who just made the change, and the
 * index takes few documents, so the extra small splits are cheap to merge.
 */
export const AUDIT_COMMIT_TIMEOUT_SECS = 5;

/** Fields matched by a bare term: the action name and the flattened details. */
export const AUDIT_DEFAULT_SEARCH_FIELDS = ["action", "details_text"] as const;

export interface AuditIndexOptions {
  indexId?: string;
  /** Quickwit duration (`90 days`, `1 year`); splits older than this are dropped. */
  retention?: string;
  /** Cron or `hourly`/`daily`/...: how often the janitor applies the retention. */
  retentionSchedule?: string;
}

// Exact-match identifiers: raw keeps a UUID or `org.member.add` one token, fast makes them sortable
// and aggregatable without the doc store.
const keyword = (name: string): QuickwitFieldMapping => ({ name, type: "text", tokenizer: "raw", fast: true });

/**
 * The audit index. Strict: a document with a field not declared here is rejected, so a producer's
 * mistake (a new key at the top level, a secret under a wrong name) never lands in the index silently.
 */
export function auditIndexConfig(options: AuditIndexOptions = {}): QuickwitIndexConfig {
  return {
    version: "0.8",
    index_id: options.indexId ?? DEFAULT_AUDIT_INDEX_ID,
    doc_mapping: {
      mode: "strict",
      field_mappings: [
        keyword("id"),
        keyword("org_id"),
        keyword("user_id"),
        keyword("action"),
        keyword("resource_type"),
        keyword("resource_id"),
        // Structured details stay queryable by path (`details.email:"a@b.c"`)...
        { name: "details", type: "json", tokenizer: "raw" },
        // ...and their values, flattened to one text, are what a free-text `q` matches.
        { name: "details_text", type: "text", tokenizer: "default", record: "basic" },
        { name: "ip_address", type: "ip" },
        {
          name: "created_at",
          type: "datetime",
          input_formats: ["rfc3339", "unix_timestamp"],
          output_format: "rfc3339",
          fast: true,
          // Milliseconds, not the default seconds: several events a second must still sort in order.
          fast_precision: "milliseconds",
        },
      ],
      timestamp_field: "created_at",
    },
    indexing_settings: { commit_timeout_secs: AUDIT_COMMIT_TIMEOUT_SECS },
    search_settings: { default_search_fields: [...AUDIT_DEFAULT_SEARCH_FIELDS] },
    retention: {
      period: options.retention ?? DEFAULT_AUDIT_RETENTION,
      schedule: options.retentionSchedule ?? "daily",
    },
  };
}

/** An audit event as the pipeline carries it (the audit_log row, org included). */
export interface AuditIndexEvent {
  id: string;
  orgId: string | null;
  userId: string | null;
  action: string;
  resourceType: string | null;
  resourceId: string | null;
  details: Record<string, unknown> | null;
  ipAddress: string | null;
  createdAt: Date | string;
}

/** The document Quickwit stores for one event (snake_case, as declared in the mapping). */
export interface AuditIndexDocument {
  id: string;
  org_id: string | null;
  user_id: string | null;
  action: string;
  resource_type: string | null;
  resource_id: string | null;
  details: Record<string, unknown>;
  details_text: string;
  ip_address: string | null;
  created_at: string;
}

export function toAuditDocument(event: AuditIndexEvent): AuditIndexDocument {
  const details = event.details ?? {};
  return {
    id: event.id,
    org_id: event.orgId,
    user_id: event.userId,
    action: event.action,
    resource_type: event.resourceType,
    resource_id: event.resourceId,
    details,
    details_text: flattenDetails(details),
    ip_address: hostAddress(event.ipAddress),
    created_at: new Date(event.createdAt).toISOString(),
  };
}

/**
 * `key value` lines of every leaf, nested keys dotted: a search for `email` or for the address
 * itself both find the event.
 */
export function flattenDetails(details: Record<string, unknown>): string {
  const lines: string[] = [];
  const walk = (value: unknown, path: string): void => {
    if (value === null || value === undefined) return;
    if (Array.isArray(value)) {
      for (const item of value) walk(item, path);
    } else if (typeof value === "object") {
      for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
        walk(inner, path ? `${path}.${key}` : key);
      }
    } else {
      lines.push(path ? `${path} ${String(value)}` : String(value));
    }
  };
  walk(details, "");
  return lines.join("\n");
}

/** An `ip` field takes a bare address; PostgreSQL's inet may carry a prefix (`10.0.0.1/32`). */
function hostAddress(value: string | null): string | null {
  if (!value) return null;
  const address = value.replace(/\/(32|128)$/, "");
  return isIP(address) ? address : null;
}
