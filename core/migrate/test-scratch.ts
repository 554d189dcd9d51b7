// Test helper for core/migrate: a database no migration has touched, and a folder for migration files.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { createThrowawayDatabase, type ThrowawayDatabase } from "../../test-support/throwaway-database.ts";

export interface Scratch {
  db: ThrowawayDatabase;
  dir: string;
}

/**
 * Registers hooks that make a fresh unmigrated database and an empty temporary folder named after
 * `folderPrefix`, before each test or once for the whole block, and remove both afterwards. Read
 * the fields inside tests: they are set by the hooks.
 */
export function useScratch(folderPrefix: string, per: "test" | "block"): Scratch {
  const scratch = {} as Scratch;
  (per === "test" ? beforeEach : beforeAll)(async () => {
    scratch.db = await createThrowawayDatabase({ prefix: "migrate_test", migrate: false });
    scratch.dir = await mkdtemp(join(tmpdir(), folderPrefix));
  });
  (per === "test" ? afterEach : afterAll)(async () => {
    await scratch.db.drop();
    await rm(scratch.dir, { recursive: true, force: true });
  });
  return scratch;
}
