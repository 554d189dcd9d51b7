import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { Redis } from "ioredis";
import * as z from "zod/mini";

/**
 * The smallest function the required stack allows: kysely over pg, ioredis and zod (`zod/mini`, as
 * the functions use it), each used once, and nothing of VoxGuard's. bench/cold-start.ts bundles it
 * with the functions' own esbuild settings and loads it like a function, so its row is what any
 * function pays before the first line of our own code.
 */
const Input = z.object({ id: z.uuid() });
let db: Kysely<Record<string, { id: string }>> | undefined;
let redis: Redis | undefined;

export async function handler(event: unknown): Promise<unknown> {
  db ??= new Kysely({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: process.env.DATABASE_URL }) }),
  });
  redis ??= new Redis(process.env.REDIS_URL ?? "", { lazyConnect: true });
  const { id } = Input.parse(event);
  const cached = await redis.get(id);
  return cached ?? db.selectFrom("users").select("id").where("id", "=", sql<string>`${id}`).executeTakeFirst();
}
