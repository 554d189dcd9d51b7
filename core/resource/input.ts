import * as z from "../zod/index.ts";
import { patchInput } from "../validation/patch.ts";
import { BoundedJsonObject, Label } from "../validation/schema.ts";
import { Status, Type } from "./schema.ts";

// What a request writes, apart from the shapes it reads (./schema.ts), so that a read route
// evaluates its own schemas at init and not the name and JSON rules of the writes.

export const CreateInput = z.strictObject({
  type: Type,
  name: Label,
  config: z.optional(BoundedJsonObject),
});
export type CreateInput = z.input<typeof CreateInput>;

export const UpdateInput = patchInput({
  name: z.optional(Label),
  config: z.optional(BoundedJsonObject),
  status: z.optional(Status),
});
export type UpdateInput = z.input<typeof UpdateInput>;
