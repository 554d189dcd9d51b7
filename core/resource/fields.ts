import * as z from "../zod/index.ts";

// A resource's type and status as a request gives them: the writes' bodies (./input.ts) and the
// list's filters (./query.ts) share these rules; the answer (./schema.ts) reports what is stored.

export const Type = z.string().check(
  z.regex(/^[a-z][a-z0-9_.-]{0,49}$/, {
    message: "1–50 characters: lower-case letters, digits, '_', '.', '-', starting with a letter",
  }),
);

export const Status = z.enum(["active", "disabled"]);
export type Status = z.infer<typeof Status>;
