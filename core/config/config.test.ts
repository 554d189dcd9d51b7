import { afterEach, describe, expect, it } from "vitest";
import { reloadConfig } from "./index.ts";

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
  reloadConfig();
});

describe("config", () => {
  it("names a missing required variable in one line", () => {
    delete process.env.DATABASE_URL;
    expect(() => reloadConfig()).toThrow(/^VoxGuard cannot start: DATABASE_URL is missing$/);
  });

  it("names a malformed variable", () => {
    process.env.DATABASE_POOL_MAX = "lots";
    expect(() => reloadConfig()).toThrow(/DATABASE_POOL_MAX is malformed/);
  });

  it("applies the documented defaults", () => {
    delete process.env.DATABASE_POOL_MAX;
    delete process.env.SESSION_IDLE_SECONDS;
    const config = reloadConfig();
    expect(config.databasePoolMax).toBe(2);
    expect(config.session.idleSeconds).toBe(7 * 24 * 3600);
    expect(config.session.absoluteSeconds).toBe(30 * 24 * 3600);
  });
});
