import { describe, expect, it } from "vitest";
import { logLevel, reloadConfig, searchConfig } from "./index.ts";
import { restoreEnvAfterEach } from "../../test-support/restore-env.ts";

restoreEnvAfterEach();

describe("config", () => {
  it("names a missing required variable in one line", () => {
    delete process.env.DATABASE_URL;
    expect(() => reloadConfig()).toThrow(/^VoxGuard cannot start: DATABASE_URL is missing$/);
  });

  it("names a malformed variable", () => {
    process.env.DATABASE_POOL_MAX = "lots";
    expect(() => reloadConfig()).toThrow(/^VoxGuard cannot start: DATABASE_POOL_MAX is malformed \(.+\)$/);
    process.env.DATABASE_POOL_MAX = "2.5";
    expect(() => reloadConfig()).toThrow(/DATABASE_POOL_MAX is malformed/);
    process.env.DATABASE_POOL_MAX = " 8 ";
    expect(reloadConfig().databasePoolMax).toBe(8);
    process.env.DATABASE_URL = "mysql://u@127.0.0.1/x";
    expect(() => reloadConfig()).toThrow(/^VoxGuard cannot start: DATABASE_URL is malformed \(Invalid URL\)$/);
    process.env.DATABASE_URL = "postgresql://u@127.0.0.1/x";
    process.env.S3_BUCKET = "ab";
    // zod's English message: the configuration's schemas are built with core/zod's locale too.
    expect(() => reloadConfig()).toThrow(
      /S3_BUCKET is malformed \(Too small: expected string to have >=3 characters\)$/,
    );
    process.env.S3_BUCKET = "";
    expect(() => reloadConfig()).toThrow(/S3_BUCKET is malformed/);
    process.env.S3_BUCKET = "abc";
    process.env.MAIL_FROM = "VoxGuard <no-reply@example.com>";
    expect(reloadConfig().mail.from).toBe("VoxGuard <no-reply@example.com>");
    process.env.MAIL_FROM = "no address";
    expect(() => reloadConfig()).toThrow(/MAIL_FROM is malformed \(expected an address or Name <address>\)$/);
  });

  it("applies the documented defaults", () => {
    delete process.env.DATABASE_POOL_MAX;
    delete process.env.SESSION_IDLE_SECONDS;
    delete process.env.AUDIT_SEAL_LANES;
    const config = reloadConfig();
    expect(config.databasePoolMax).toBe(2);
    expect(config.auditSeal.lanes).toBe(1);
    expect(config.session.idleSeconds).toBe(7 * 24 * 3600);
    expect(config.session.absoluteSeconds).toBe(30 * 24 * 3600);
  });

  it("reads the log level alone, in any case, Lambda's first, without the rest", () => {
    const env = { LOG_LEVEL: " warn " };
    expect(logLevel(env)).toBe("WARN");
    expect(logLevel({ ...env, AWS_LAMBDA_LOG_LEVEL: "FATAL" })).toBe("FATAL");
    expect(logLevel({})).toBe("INFO");
    expect(() => logLevel({ LOG_LEVEL: "loud" })).toThrow(
      /^VoxGuard cannot start: LOG_LEVEL is malformed \(Invalid option: expected one of "TRACE"\|/,
    );
  });

  it("reads Quickwit's variables alone, with the index id rule", () => {
    expect(searchConfig({ QUICKWIT_URL: "http://quickwit:7280" })).toEqual({
      quickwitUrl: "http://quickwit:7280",
      quickwitAuditIndex: "voxguard-audit",
      quickwitAuditRetention: "90 days",
    });
    expect(searchConfig({ QUICKWIT_AUDIT_RETENTION: " 30 days " }).quickwitAuditRetention).toBe("30 days");
    expect(() => searchConfig({ QUICKWIT_AUDIT_INDEX: "-bad" })).toThrow(/QUICKWIT_AUDIT_INDEX is malformed/);
  });

  it("reads the AWS endpoints and region", () => {
    process.env.AWS_ENDPOINT_URL_SQS = "http://127.0.0.1:4566";
    process.env.AWS_REGION = "eu-west-1";
    expect(reloadConfig().aws).toMatchObject({ sqsEndpoint: "http://127.0.0.1:4566", region: "eu-west-1" });
    process.env.AWS_ENDPOINT_URL_S3 = "not a url";
    expect(() => reloadConfig()).toThrow(/^VoxGuard cannot start: AWS_ENDPOINT_URL_S3 is malformed \(Invalid URL\)$/);
  });

  it("takes a URL without the spaces around it and the line breaks in it, as pasted secrets have", () => {
    process.env.DATABASE_URL = " postgres://u@127.0.0.1:5432/x\n";
    process.env.QUICKWIT_URL = "http://quickwit:7280\t ";
    const config = reloadConfig();
    expect(config.databaseUrl).toBe("postgres://u@127.0.0.1:5432/x");
    expect(config.quickwitUrl).toBe("http://quickwit:7280");
  });
});
