import { describe, expect, it } from "vitest";
import { reloadConfig } from "./index.ts";
import { restoreEnvAfterEach } from "../../test-support/restore-env.ts";

// Its own file: SST's `Resource` reads the environment once per process, on first use.
restoreEnvAfterEach();

describe("config from SST links", () => {
  it("reads linked secrets through SST's Resource; an explicit variable wins; an empty optional one is unset", () => {
    // What `sst shell` (and SST's runtime, decrypting the bundle's resource file) provides.
    process.env.SST_RESOURCE_App = JSON.stringify({ name: "voxguard", stage: "test" });
    process.env.SST_RESOURCE_DatabaseUrl = JSON.stringify({ value: "postgres://linked@db.internal:5433/voxguard" });
    process.env.SST_RESOURCE_RedisUrl = JSON.stringify({ value: "" });
    process.env.SST_RESOURCE_QuickwitUrl = JSON.stringify({ value: "http://quickwit.internal:7280" });
    process.env.SST_RESOURCE_S3SecretAccessKey = JSON.stringify({ value: "linked-secret" });
    process.env.SST_RESOURCE_S3AccessKeyId = JSON.stringify({ value: "linked-key" });
    delete process.env.DATABASE_URL;
    delete process.env.REDIS_URL;
    delete process.env.S3_ACCESS_KEY_ID;
    delete process.env.S3_SECRET_ACCESS_KEY;
    process.env.QUICKWIT_URL = "http://override:7280";

    const config = reloadConfig();
    expect(config.databaseUrl).toBe("postgres://linked@db.internal:5433/voxguard");
    expect(config.redisUrl).toBeUndefined();
    expect(config.quickwitUrl).toBe("http://override:7280");
    expect(config.s3Credentials).toEqual({ accessKeyId: "linked-key", secretAccessKey: "linked-secret" });
    // Nothing is copied back into the environment, where a child process or a dump would see it.
    expect(process.env.DATABASE_URL).toBeUndefined();
  });
});
