import * as z from "../zod/index.ts";
import { patchInput } from "../validation/patch.ts";
import { BoundedJsonObject, Label } from "../validation/schema.ts";
import { Status, Type } from "./fields.ts";

// What the writes' requests send: a read route parses its path (./params.ts) or its query
// (./query.ts) and builds none of the name and JSON rules at init, and no route builds the
// answer's shape (./schema.ts).

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
