import * as z from "../zod/index.ts";
import { timeRangeFields } from "./range.ts";

// The export's body. The lists' query is in ./query.ts and the shapes the routes answer in
// ./schema.ts: a list's function builds its query at init, and neither this body nor the event's
// shape, which only the OpenAPI document and the writers' queue event use.

/** An export's range; no body at all is the whole trail. */
export const AuditExportRequest = z._default(z.object(timeRangeFields()), {});
export type AuditExportRequest = z.output<typeof AuditExportRequest>;
