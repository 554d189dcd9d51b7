/**
 * Native addons are installed into a function's node_modules for Lambda's platform instead of
 * bundled, and only into the functions whose bundle loads them: an install costs every cold start
 * of the function its size. `scripts/build.test.ts` checks these lists against what esbuild
 * actually puts in each bundle, so a new handler that hashes passwords fails there until listed.
 */
export const NATIVE_PACKAGES: Record<string, readonly string[]> = {
  "@node-rs/argon2": [
    "functions/auth/register.handler",
    "functions/auth/login.handler",
    "functions/auth/reset-password.handler",
    "functions/me/change-password.handler",
  ],
};

/** The native packages a handler's bundle loads. */
export function nativePackagesOf(handler: string): string[] {
  return Object.entries(NATIVE_PACKAGES)
    .filter(([, handlers]) => handlers.includes(handler))
    .map(([name]) => name);
}
