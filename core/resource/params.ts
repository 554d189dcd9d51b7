import * as z from "../zod/index.ts";

/** The path parameters of /orgs/{orgId}/resources/{resourceId}. */
export const Params = z.object({ orgId: z.uuid(), resourceId: z.uuid() });
