import { afterEach, describe, expect, it, vi } from "vitest";
import { log, logsAt } from "./index.ts";

afterEach(() => {
  vi.restoreAllMocks();
  delete process.env._X_AMZN_TRACE_ID;
});

function captured(stream: NodeJS.WriteStream): () => Record<string, unknown>[] {
  const lines: string[] = [];
  vi.spyOn(stream, "write").mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  return () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("log", () => {
  it("writes one JSON line with Powertools' fields, then the caller's", () => {
    process.env._X_AMZN_TRACE_ID = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
    const lines = captured(process.stderr);
    log.error("audit batch could not be stored", { events: 3 });
    const [entry] = lines();
    expect(entry).toEqual({
      level: "ERROR",
      message: "audit batch could not be stored",
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      service: "voxguard",
      sampling_rate: 0,
      xray_trace_id: "1-5759e988-bd862e3fe1be46a994272793",
      events: 3,
    });
  });

  it("writes an error with its name, location, message, stack and cause", () => {
    const lines = captured(process.stderr);
    const error = Object.assign(new TypeError("broken", { cause: new Error("underneath") }), { code: "E_BROKEN" });
    log.error("unexpected error", { error });
    const written = lines()[0]!.error as Record<string, unknown>;
    expect(written).toMatchObject({
      name: "TypeError",
      message: "broken",
      code: "E_BROKEN",
      cause: { name: "Error", message: "underneath" },
    });
    // Like Powertools: the first frame that names its function, as "file:line".
    expect(written.location).toMatch(/^\S+:\d+$/);
    expect(written.stack).toContain("TypeError: broken");
  });

  it("keeps a line whose fields have a cycle", () => {
    const lines = captured(process.stderr);
    const cyclic: Record<string, unknown> = { id: "a" };
    cyclic.self = cyclic;
    log.error("cyclic", { cyclic, big: 10n });
    expect(lines()[0]).toMatchObject({ cyclic: { id: "a" }, big: "10" });
  });

  it("leaves out what is below the level (tests run at ERROR)", () => {
    const lines = captured(process.stdout);
    log.info("request", { status: 200 });
    expect(lines()).toEqual([]);
    expect(logsAt("INFO")).toBe(false);
    expect(logsAt("ERROR")).toBe(true);
  });
});
