/**
 * `npm run quickwit:setup`: creates the audit index in Quickwit unless it exists. Safe to run on
 * every deploy; an existing index keeps its config (Quickwit changes one only through PUT).
 *
 * QUICKWIT_URL (required), QUICKWIT_AUDIT_INDEX (default voxguard-audit),
 * QUICKWIT_AUDIT_RETENTION (default 90 days).
 */
import { auditIndexConfig, createQuickwitClient, DEFAULT_AUDIT_INDEX_ID, DEFAULT_AUDIT_RETENTION } from "../core/search/index.ts";

const INDEX_ID = /^[a-zA-Z][a-zA-Z0-9_-]{2,254}$/;

async function main(): Promise<void> {
  const baseUrl = process.env.QUICKWIT_URL?.trim();
  if (!baseUrl) throw new Error("QUICKWIT_URL is not set");
  const indexId = process.env.QUICKWIT_AUDIT_INDEX?.trim() || DEFAULT_AUDIT_INDEX_ID;
  if (!INDEX_ID.test(indexId)) throw new Error(`QUICKWIT_AUDIT_INDEX "${indexId}" is not a valid Quickwit index id`);
  const retention = process.env.QUICKWIT_AUDIT_RETENTION?.trim() || DEFAULT_AUDIT_RETENTION;

  const client = createQuickwitClient({ baseUrl });
  const { created } = await client.createIndex(auditIndexConfig({ indexId, retention }));
  // The URL may carry credentials for a proxy in front of Quickwit: print its origin only.
  const where = new URL(baseUrl).host;
  console.log(created ? `quickwit: created index ${indexId} on ${where}` : `quickwit: index ${indexId} already exists on ${where}`);
}

main().catch((error: unknown) => {
  console.error(`quickwit: setup failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
