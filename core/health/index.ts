import { sql } from "kysely";
import { cacheStatus } from "../cache/index.ts";
import { queueReachable } from "../audit/queue.ts";
import { quickwit } from "../audit/search.ts";
import { config } from "../config/index.ts";
import { db } from "../db/index.ts";
import { getQuickwitIndex } from "../search/quickwit-indexes.ts";
import type { CheckStatus, HealthInfo } from "./schema.ts";

export { CheckStatus, HealthInfo } from "./schema.ts";

type Check = () => Promise<CheckStatus>;

const TIMEOUT_MS = 2_000;

async function within(check: Check): Promise<CheckStatus> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckStatus>((resolve) => {
    timer = setTimeout(() => resolve("down"), TIMEOUT_MS);
  });
  try {
    return await Promise.race([check().catch((): CheckStatus => "down"), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const database: Check = async () => {
  await sql`select 1`.execute(db());
  return "ok";
};

/** Quickwit answers and the audit index exists. */
async function searchReachable(): Promise<boolean> {
  const search = quickwit();
  if (!search) return false;
  return (await getQuickwitIndex(search, config().quickwitAuditIndex)) !== null;
}

const optional: Record<"cache" | "search" | "queue", Check> = {
  cache: cacheStatus,
  search: async () => (config().quickwitUrl ? ((await searchReachable()) ? "ok" : "down") : "disabled"),
  queue: async () => {
    const queueUrl = config().auditQueueUrl;
    if (!queueUrl) return "disabled";
    await queueReachable(queueUrl);
    return "ok";
  },
};

/** Every dependency at once; only the database is required for the service to answer. */
export async function check(): Promise<HealthInfo> {
  const [dbStatus, cache, search, queue] = await Promise.all(
    [database, optional.cache, optional.search, optional.queue].map(within),
  );
  const checks = { db: dbStatus!, cache: cache!, search: search!, queue: queue! };
  const status = checks.db !== "ok" ? "down" : Object.values(checks).includes("down") ? "degraded" : "ok";
  return { status, checks };
}
