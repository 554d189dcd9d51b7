import path from "node:path";
import { reloadConfig } from "@voxguard/core/config";
import { closeDb } from "@voxguard/core/db";
import { closeCache } from "@voxguard/core/cache";
import { loadHandler } from "../local/handler-loader.ts";
import { startQueuePoller } from "../local/queue-poller.ts";
import { startLocalQueue } from "../local/queue.ts";
import { startLocalServer } from "../local/server.ts";

/**
 * The stack `npm run load` drives, in a process of its own so the load generator's work doesn't
 * share an event loop with the server it measures: fauxqs (audit queue, dead-letter queue,
 * bucket), the API on the local API Gateway emulator and the poller feeding the real audit
 * consumer. The database and Redis come from the environment (bench/load.ts owns them).
 * Prints one JSON line with its addresses, then only logs; SIGTERM stops it in dependency order.
 */
const rootDir = path.resolve(import.meta.dirname, "..");

// Short, so messages that failed while PostgreSQL was down come back within the drain window.
const VISIBILITY_TIMEOUT_SECONDS = 5;

const started = await startLocalQueue({ visibilityTimeoutSeconds: VISIBILITY_TIMEOUT_SECONDS });
if (!started?.queues) throw new Error("the load stack expects to create its own audit queue");
const queue = started;
const queues = started.queues;
reloadConfig();
const { routes } = await import("../functions/routes.ts");
const server = await startLocalServer({ routes, port: 0, rootDir });
const consumer = await loadHandler(rootDir, "functions/queue/audit-consumer.handler");
const poller = startQueuePoller({
  queueUrl: queues.queueUrl,
  handler: consumer,
  batchWindowMs: 500,
  waitTimeSeconds: 1,
});

process.stdout.write(
  `${JSON.stringify({ url: server.url, endpoint: queue.endpoint, queueUrl: queues.queueUrl, deadLetterQueueUrl: queues.deadLetterQueueUrl })}\n`,
);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const step of [() => server.close(), () => poller.stop(), closeDb, closeCache, () => queue.close()]) {
    try {
      await step();
    } catch (error) {
      console.error("load server: stopping failed:", error);
    }
  }
  process.exit(0);
}
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
// The parent going away (killed, crashed) must not leave this stack running.
process.on("disconnect", () => void stop());
