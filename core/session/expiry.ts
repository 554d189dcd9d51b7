import { sql, type RawBuilder } from "kysely";
import { config } from "../config/index.ts";

export function seconds(value: number): RawBuilder<unknown> {
  return sql`make_interval(secs => ${value})`;
}

/** When a session stops working: idle timeout after its last use, or its absolute lifetime. */
export function expiryOf(alias: string): RawBuilder<Date> {
  const { idleSeconds, absoluteSeconds } = config().session;
  const s = sql.table(alias);
  // Recomputed from the timestamps rather than trusting expires_at alone, so a shortened timeout
  // applies to existing sessions at once.
  return sql<Date>`least(${s}.expires_at, ${s}.last_used_at + ${seconds(idleSeconds)}, ${s}.created_at + ${seconds(absoluteSeconds)})`;
}
