import * as z from "../zod/index.ts";
import { patchInput } from "../validation/patch.ts";
import { BoundedJsonObject, Label } from "../validation/schema.ts";

// What a request writes, apart from the shapes it reads (./schema.ts), so that a read route
// evaluates its own schemas at init and not the name and JSON rules of the writes.

export const Slug = z.string().check(
  z.regex(/^[a-z0-9][a-z0-9-]{1,98}[a-z0-9]$/, {
    message: "3–100 characters: lower-case letters, digits and hyphens, starting and ending with a letter or digit",
  }),
);

export const Plan = z
  .string()
  .check(z.regex(/^[a-z][a-z0-9_-]{0,49}$/, { message: "A plan name: lower-case, at most 50 characters" }));

export const CreateInput = z.strictObject({
  name: Label,
  slug: Slug,
  metadata: z.optional(BoundedJsonObject),
});
export type CreateInput = z.input<typeof CreateInput>;

export const UpdateInput = patchInput({
  name: z.optional(Label),
  metadata: z.optional(BoundedJsonObject),
  /** Platform administrators only. */
  plan: z.optional(Plan),
});
export type UpdateInput = z.input<typeof UpdateInput>;
