import { config } from "../config/index.ts";
import { log } from "../log/index.ts";
import { toAuditDocument, type AuditIndexEvent } from "../search/audit-index.ts";
import { ingestQuickwit } from "../search/quickwit-ingest.ts";
import type { QuickwitTransport } from "../search/quickwit-transport.ts";

/**
 * Ingests events into the audit index. Returns the ids Quickwit rejected (they will never index,
 * whatever the retries); throws when Quickwit can't be reached.
 */
export async function indexEvents(search: QuickwitTransport, events: readonly AuditIndexEvent[]): Promise<Set<string>> {
  const rejected = new Set<string>();
  if (events.length === 0) return rejected;
  const answer = await ingestQuickwit(search, config().quickwitAuditIndex, events.map(toAuditDocument), {
    detailedResponse: true,
  });
  if (answer.num_ingested_docs === undefined) {
    // Quickwit's legacy ingest (0.8, or 0.9 with ingest v2 off) reports no per-document outcome, so
    // a rejected document can't be detected here. Said on every batch, never assumed indexed in
    // silence; audit_log keeps every event whatever the index did.
    log.warn(
      "Quickwit's legacy ingest reports no per-document outcome: rejected audit documents can't be detected (enable ingest v2)",
      {
        documents: answer.num_docs_for_processing,
      },
    );
  }
  for (const failure of answer.parse_failures ?? []) {
    const id = idOf(failure.document);
    if (id) rejected.add(id);
  }
  // A rejection Quickwit did not detail can't be pinned on one event: all of them are suspect.
  if ((answer.num_rejected_docs ?? 0) > rejected.size) return new Set(events.map((event) => event.id));
  return rejected;
}

function idOf(document: string): string | undefined {
  try {
    const id = (JSON.parse(document) as { id?: unknown }).id;
    return typeof id === "string" ? id : undefined;
  } catch {
    return undefined;
  }
}
