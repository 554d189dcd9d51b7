import type { TestProject } from "vitest/node";
import { generateSealKey } from "@voxguard/core/audit-seal";
import { createThrowawayDatabase } from "./throwaway-database.ts";

const ADMIN_URL = process.env.TEST_ADMIN_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    cacheKeyPrefix: string;
    auditSealKey: string;
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
  // One sealing key for the run: any test file's sealer may seal another file's events.
  project.provide("auditSealKey", JSON.stringify(generateSealKey()));
  return () => database.drop();
}
