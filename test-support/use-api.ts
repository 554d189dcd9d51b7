import { afterAll, beforeAll } from "vitest";
import { closeCache } from "@voxguard/core/cache";
import { reloadConfig } from "@voxguard/core/config";
import { closeDb } from "@voxguard/core/db";
import { startApi, type TestApi } from "./http.ts";

/**
 * The API for one test file: started before its tests, with `env` applied to the environment first
 * (the configuration re-read), and closed after them along with the cache client and the pool.
 * Call it at the file's top level, after any hooks that must run before the API starts.
 */
export function useApi(options: { env?: Record<string, string> } = {}): TestApi {
  let started: TestApi | undefined;
  const live = (): TestApi => {
    if (!started) throw new Error("the API starts in beforeAll: use it inside a test or hook");
    return started;
  };
  beforeAll(async () => {
    if (options.env) {
      Object.assign(process.env, options.env);
      reloadConfig();
    }
    started = await startApi();
  });
  afterAll(async () => {
    await started?.close();
    await closeCache();
    await closeDb();
  });
  return {
    get url() {
      return live().url;
    },
    request: (method, path, requestOptions) => live().request(method, path, requestOptions),
    close: () => live().close(),
  };
}
