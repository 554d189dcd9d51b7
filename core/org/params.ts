import * as z from "../zod/index.ts";

/**
 * The path parameters of every route under /orgs/{orgId}. A module of its own: a route of another
 * concept under that path (the audit routes, the resource list and creation) would otherwise load
 * core/org/schema.ts for it, and build the organization's input schemas and the name and JSON rules
 * those use. The member and invitation routes load that module anyway, for the roles.
 */
export const Params = z.object({ orgId: z.uuid() });
