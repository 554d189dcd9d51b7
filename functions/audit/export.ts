import { exportTrail } from "@voxguard/core/audit";
import { route } from "../edge/route.ts";

export const handler = route("POST /orgs/{orgId}/audit/exports", async ({ actor, params, body }) => ({
  status: 201,
  body: await exportTrail(actor, params.orgId, body),
}));
