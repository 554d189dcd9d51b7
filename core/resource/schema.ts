import * as z from "../zod/index.ts";

export const Info = z.object({
  id: z.uuid(),
  orgId: z.uuid(),
  type: z.string(),
  name: z.string(),
  config: z.record(z.string(), z.unknown()),
  status: z.string(),
  createdAt: z.isoDateTime(),
  updatedAt: z.isoDateTime(),
});
export type Info = z.infer<typeof Info>;

export const Single = z.object({ resource: Info });
