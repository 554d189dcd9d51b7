import type { APIGatewayProxyEventV2 } from "aws-lambda";
import type { Actor } from "@voxguard/core/actor";
import { VisibleError } from "@voxguard/core/error";
import { authenticate as authenticateSession } from "@voxguard/core/session";
import type { RouteAuth } from "./route-definition.ts";

const BEARER = /^Bearer ([A-Za-z0-9_-]{20,200})$/;

/** Who is calling: the session behind the bearer token, or nobody for public routes. */
export async function identify(auth: RouteAuth, event: APIGatewayProxyEventV2): Promise<Actor> {
  const origin = { ip: event.requestContext?.http?.sourceIp, userAgent: event.headers?.["user-agent"]?.slice(0, 512) };
  if (auth === "none") return { type: "public", ...origin };
  const token = BEARER.exec(event.headers?.authorization?.trim() ?? "")?.[1];
  if (!token) throw new VisibleError("unauthorized", "Send a session token as Authorization: Bearer <token>");
  const actor = await authenticateSession(token, origin);
  if (auth === "platform-admin" && actor.role !== "admin") {
    throw new VisibleError("forbidden", "Only platform administrators may do this");
  }
  return actor;
}
