import * as z from "../zod/index.ts";

/** The path parameters of /admin/users/{userId}. */
export const Params = z.object({ userId: z.uuid() });
