import * as z from "../zod/index.ts";

/**
 * The path parameters of every route under /orgs/{orgId}. A module of its own: the routes of other
 * concepts under that path (audit, resources, invitations) load it, and through core/org/schema.ts
 * they would build the organization's input schemas, and the name and JSON rules those use, too.
 */
export const Params = z.object({ orgId: z.uuid() });
