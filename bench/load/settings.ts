import path from "node:path";
// The run's settings, from the environment (see bench/load.ts).
export const SECONDS = positive("LOAD_SECONDS", 60);
export const CLIENTS = positive("LOAD_CLIENTS", 50);
export const SEED = positive("LOAD_SEED", 7);
export const FAULTS = process.env.LOAD_FAULTS !== "0";
export const KEEP = process.env.LOAD_KEEP === "1";
export const RECOVERY_LIMIT_MS = 5_000;
export const REQUEST_TIMEOUT_MS = 30_000;
export const DRAIN_LIMIT_MS = 120_000;
// After a 5xx or no answer a client waits this long, as a client honouring Retry-After would.
export const BACKOFF_MS = 250;
export const PASSWORD = "correct horse battery staple";
export const rootDir = path.resolve(import.meta.dirname, "../..");

export function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    console.error(`${name} must be a positive integer, not ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return value;
}
