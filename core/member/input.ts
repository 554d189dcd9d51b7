import * as z from "../zod/index.ts";
import { Role } from "../org/schema.ts";

// What a request writes, apart from the shapes it reads (./schema.ts).
export const UpdateInput = z.strictObject({ role: Role });
export type UpdateInput = z.input<typeof UpdateInput>;
