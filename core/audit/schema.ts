import * as z from "../zod/index.ts";

/** An audit event as the API shows it. */
export const Info = z.object({
  id: z.uuid(),
  orgId: z.nullable(z.uuid()),
  userId: z.nullable(z.uuid()),
  action: z.string(),
  resourceType: z.nullable(z.string()),
  resourceId: z.nullable(z.uuid()),
  details: z.record(z.string(), z.unknown()),
  ipAddress: z.nullable(z.string()),
  createdAt: z.isoDateTime(),
});
export type Info = z.infer<typeof Info>;

export const AuditExportInfo = z.object({
  id: z.uuid(),
  /** A presigned GET of the gzip-compressed NDJSON file, one event (as the API shows it) a line. */
  url: z.url(),
  expiresAt: z.isoDateTime(),
  count: z.number().check(z.int(), z.nonnegative()),
});
export type AuditExportInfo = z.infer<typeof AuditExportInfo>;
