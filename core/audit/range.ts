import * as z from "../zod/index.ts";

/**
 * The fields of a range of event times, as the audit list, the export and the verification take
 * them: ISO 8601 with an offset, `from` inclusive, `to` exclusive, so consecutive ranges never
 * share an event. Fresh schemas on every call: each caller's shape stays its own in the OpenAPI
 * document. A module of its own, so that the verification's function doesn't build the audit
 * list's query to get them.
 */
export function timeRangeFields() {
  return { from: z.optional(z.isoDateTime({ offset: true })), to: z.optional(z.isoDateTime({ offset: true })) };
}
