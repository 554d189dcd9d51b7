import * as z from "../zod/index.ts";
import { Info as MemberInfo } from "../member/schema.ts";
import { Info as OrgInfo, Role } from "../org/schema.ts";
import { PageQuery } from "../pagination/schema.ts";

export const Info = z.object({
  id: z.uuid(),
  orgId: z.uuid(),
  email: z.string(),
  role: Role,
  /** Null once the inviting account is deleted. */
  invitedBy: z.nullable(z.uuid()),
  createdAt: z.isoDateTime(),
  expiresAt: z.isoDateTime(),
});
export type Info = z.infer<typeof Info>;

export const ListQuery = PageQuery;
export type ListQuery = z.input<typeof ListQuery>;

export const Params = z.object({ orgId: z.uuid(), invitationId: z.uuid() });

export const Single = z.object({ invitation: Info });

export const Accepted = z.object({ org: OrgInfo, member: MemberInfo });
export type Accepted = z.infer<typeof Accepted>;
