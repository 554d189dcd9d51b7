import * as z from "../zod/index.ts";
import { PageQuery } from "../pagination/schema.ts";
import { AuditAction } from "./action.ts";
import { timeRangeFields } from "./range.ts";

// What the audit routes parse. Apart from core/audit/schema.ts, the shapes they answer: a list's
// function builds its query at init and never the event's shape, which only the OpenAPI document
// and the writers' queue event use.
export const AuditQuery = z.extend(PageQuery, {
  action: z.optional(AuditAction),
  userId: z.optional(z.uuid()),
  resourceType: z.optional(z.string().check(z.minLength(1), z.maxLength(50))),
  resourceId: z.optional(z.uuid()),
  ...timeRangeFields(),
  q: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
});
export type AuditQuery = z.output<typeof AuditQuery>;

/** An export's range; no body at all is the whole trail. */
export const AuditExportRequest = z._default(z.object(timeRangeFields()), {});
export type AuditExportRequest = z.output<typeof AuditExportRequest>;
