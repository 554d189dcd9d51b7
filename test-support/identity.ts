import { randomUUID } from "node:crypto";
import type { UserActor } from "@voxguard/core/actor";
import * as Auth from "@voxguard/core/auth";
import { db } from "@voxguard/core/db";
import * as Session from "@voxguard/core/session";
import type { Info as UserInfo } from "@voxguard/core/user";
import type { TestApi } from "./http.ts";

export const PASSWORD = "correct horse battery staple";

export function uniqueEmail(label = "user"): string {
  return `${label}-${randomUUID()}@example.test`;
}

export interface SignedUp {
  user: UserInfo;
  token: string;
  email: string;
  password: string;
}

/** Registers through the API, as a client would. */
export async function signUp(
  api: TestApi,
  options: { email?: string; password?: string; displayName?: string } = {},
): Promise<SignedUp> {
  const email = options.email ?? uniqueEmail();
  const password = options.password ?? PASSWORD;
  const answer = await api.request("POST", "/auth/register", {
    body: { email, password, displayName: options.displayName ?? "Test User" },
  });
  if (answer.status !== 201) throw new Error(`register answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return { user: answer.body.user, token: answer.body.token, email, password };
}

/** Registers through core, without HTTP. */
export async function register(
  options: { email?: string; password?: string; ip?: string } = {},
): Promise<SignedUp & { actor: UserActor }> {
  const email = options.email ?? uniqueEmail();
  const password = options.password ?? PASSWORD;
  const result = await Auth.register(
    { type: "public", ip: options.ip ?? "203.0.113.10" },
    { email, password, displayName: "Test User" },
  );
  const actor = await Session.authenticate(result.token, { ip: options.ip ?? "203.0.113.10" });
  return { user: result.user, token: result.token, email, password, actor };
}

/** Makes a user a platform administrator behind the API's back; cached sessions re-read the role. */
export async function makePlatformAdmin(userId: string): Promise<void> {
  await db().updateTable("users").set({ role: "admin" }).where("id", "=", userId).execute();
  await Session.refreshForUser(userId);
}
