import type { TestProject } from "vitest/node";
import { createThrowawayDatabase } from "./throwaway-database.ts";

const ADMIN_URL = process.env.TEST_ADMIN_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    cacheKeyPrefix: string;
  }
}

/**
 * One migrated database for the whole run, dropped afterwards; parallel runs never share one. It
 * runs on REPEATABLE READ, YugabyteDB's default (see throwaway-database.ts).
 */
export default async function setup(project: TestProject) {
  const database = await createThrowawayDatabase({ adminUrl: ADMIN_URL, prefix: "voxguard_test" });
  project.provide("databaseUrl", database.url);
  project.provide("cacheKeyPrefix", `vgtest:${database.name}:`);
  return () => database.drop();
}
