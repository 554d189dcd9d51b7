/**
 * `npm run quickwit:setup`: creates the audit index in Quickwit unless it exists. Safe to run on
 * every deploy; an existing index keeps its config (Quickwit changes one only through PUT).
 *
 * QUICKWIT_URL (required), QUICKWIT_AUDIT_INDEX (default voxguard-audit),
 * QUICKWIT_AUDIT_RETENTION (default 90 days).
 */
import { searchConfig } from "../core/config/index.ts";
import { auditIndexConfig, createQuickwitClient } from "../core/search/index.ts";

async function main(): Promise<void> {
  const { quickwitUrl: baseUrl, quickwitAuditIndex: indexId, quickwitAuditRetention: retention } = searchConfig();
  if (!baseUrl) throw new Error("QUICKWIT_URL is not set");

  const client = createQuickwitClient({ baseUrl });
  const { created } = await client.createIndex(auditIndexConfig({ indexId, retention }));
  // The URL may carry credentials for a proxy in front of Quickwit: print its origin only.
  const where = new URL(baseUrl).host;
  console.log(
    created
      ? `quickwit: created index ${indexId} on ${where}`
      : `quickwit: index ${indexId} already exists on ${where}`,
  );
}

main().catch((error: unknown) => {
  console.error(`quickwit: setup failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
