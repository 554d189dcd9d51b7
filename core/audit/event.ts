import * as z from "../zod/index.ts";
import { AuditAction } from "./action.ts";
import { Info } from "./schema.ts";

/**
 * The event as it travels through the queue: produced once, stored and indexed idempotently by id.
 * Stricter than what the API shows, so a message that would break the batch's one INSERT (an
 * address INET rejects, a type or action the table's columns can't hold) is caught at parsing and
 * only that record fails. Its own module, so that no read route carries this write-path schema and
 * the IP address formats.
 */
export const AuditEvent = z.extend(Info, {
  action: AuditAction,
  resourceType: z.nullable(z.string().check(z.minLength(1), z.maxLength(50))),
  ipAddress: z.nullable(z.union([z.ipv4(), z.ipv6()])),
});
export type AuditEvent = z.infer<typeof AuditEvent>;
