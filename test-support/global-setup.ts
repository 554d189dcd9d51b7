import { randomBytes } from "node:crypto";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { generateSealKey } from "@voxguard/core/audit-seal";
import { createMigrator } from "@voxguard/core/migrate";

const ADMIN_URL = process.env.TEST_ADMIN_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    cacheKeyPrefix: string;
    auditSealKey: string;
  }
}

function databaseUrl(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** One migrated database for the whole run, dropped afterwards; parallel runs never share one. */
export default async function setup(project: TestProject) {
  const name = `voxguard_test_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();

  const url = databaseUrl(name);
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    await createMigrator({ pool, dir: path.resolve("migrations") }).up();
  } finally {
    await pool.end();
  }
  project.provide("databaseUrl", url);
  project.provide("cacheKeyPrefix", `vgtest:${name}:`);
  // One sealing key for the run: any test file's sealer may seal another file's events.
  project.provide("auditSealKey", JSON.stringify(generateSealKey()));

  return async () => {
    const client = new pg.Client({ connectionString: ADMIN_URL });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.end();
  };
}
