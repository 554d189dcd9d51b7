import { reloadConfig } from "@voxguard/core/config";
import { afterEach } from "vitest";

/** For tests that edit process.env: after each one, the environment as it was when called, and config read again. */
export function restoreEnvAfterEach(): void {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
    reloadConfig();
  });
}
