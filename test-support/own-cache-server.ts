import { Redis } from "ioredis";
import { afterAll, beforeAll } from "vitest";
import { closeCache } from "@voxguard/core/cache";
import { reloadConfig } from "@voxguard/core/config";
import { startRedisServer, type RedisServer } from "./redis-server.ts";

export interface OwnCacheServer {
  /** May be stopped, restarted or paused by the test: nobody else uses it. */
  server: RedisServer;
  /** The test's own view of the cache server, separate from the app's client. */
  probe: Redis;
}

/**
 * A cache server of the test file's own that the app is pointed at before its tests, stopped after
 * them. Call it before useApi, so the API starts on this server and is closed before it stops.
 */
export function useOwnCacheServer(): OwnCacheServer {
  let started: OwnCacheServer | undefined;
  const live = (): OwnCacheServer => {
    if (!started) throw new Error("the cache server starts in beforeAll: use it inside a test or hook");
    return started;
  };
  beforeAll(async () => {
    const server = await startRedisServer();
    process.env.REDIS_URL = server.url;
    reloadConfig();
    // A client made before this point talks to the shared server: the next one is made for this one.
    await closeCache();
    const probe = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 100 });
    probe.on("error", () => undefined);
    await probe.connect();
    started = { server, probe };
  });
  afterAll(async () => {
    started?.probe.disconnect();
    await started?.server.stop();
  });
  return {
    get server() {
      return live().server;
    },
    get probe() {
      return live().probe;
    },
  };
}
