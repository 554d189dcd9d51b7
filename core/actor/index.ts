export type PlatformRole = "user" | "admin";

interface Origin {
  ip?: string | undefined;
  userAgent?: string | undefined;
}

export interface UserActor extends Origin {
  type: "user";
  userId: string;
  sessionId: string;
  role: PlatformRole;
}

export interface PublicActor extends Origin {
  type: "public";
}

export type Actor = UserActor | PublicActor;

export function isPlatformAdmin(actor: Actor): boolean {
  return actor.type === "user" && actor.role === "admin";
}
