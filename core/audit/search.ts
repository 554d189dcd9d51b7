import { config } from "../config/index.ts";
import { createQuickwitTransport, type QuickwitTransport } from "../search/quickwit-transport.ts";

let transport: QuickwitTransport | undefined;
let transportUrl: string | undefined;

/**
 * The way to Quickwit, or undefined when no QUICKWIT_URL is configured (search reads the database).
 * A transport, not a client: each caller imports the operations it calls (search, ingest, the index
 * lookup), so a read route doesn't bundle the ingest path.
 */
export function quickwit(): QuickwitTransport | undefined {
  const url = config().quickwitUrl;
  if (!url) return undefined;
  if (!transport || transportUrl !== url) {
    // Two tries: a consumer that gives up reports its records and SQS redelivers them later, which
    // is a better retry than holding the batch here.
    transport = createQuickwitTransport({ baseUrl: url, timeoutMs: 5_000, retry: { attempts: 2 } });
    transportUrl = url;
  }
  return transport;
}
