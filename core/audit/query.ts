import * as z from "../zod/index.ts";
import { PageQuery } from "../pagination/schema.ts";
import { AuditAction } from "./action.ts";
import { timeRangeFields } from "./range.ts";

/** The audit lists' query: a page, filtered by action, user, resource, time and text. */
export const AuditQuery = z.extend(PageQuery, {
  action: z.optional(AuditAction),
  userId: z.optional(z.uuid()),
  resourceType: z.optional(z.string().check(z.minLength(1), z.maxLength(50))),
  resourceId: z.optional(z.uuid()),
  ...timeRangeFields(),
  q: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
});
export type AuditQuery = z.output<typeof AuditQuery>;
