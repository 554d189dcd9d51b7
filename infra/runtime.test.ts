import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { esbuildOptions } from "../scripts/build.ts";
import { SST_TARGET } from "./bundling.ts";
import { LAMBDA_RUNTIME, NODE_MAJOR } from "./runtime.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  engines: { node: string };
  devDependencies: Record<string, string>;
};
const major = (version: string) => Number(/^v?(\d+)\./.exec(version)?.[1]);

// The tests, `npm run dev` and the deployed functions run on one Node major: a difference between
// them (pg's probes, AsyncLocalStorage, what the bundle is compiled for) would show only in AWS.
describe(`runtime parity with Lambda's ${LAMBDA_RUNTIME}`, () => {
  it("runs the tests on the Lambda runtime's Node major", () => {
    expect(major(process.version)).toBe(NODE_MAJOR);
  });

  it("puts that Node first on the PATH of npm scripts: `node -v` inside `npm test`", () => {
    expect(major(execFileSync("node", ["-v"], { encoding: "utf8" }).trim())).toBe(NODE_MAJOR);
  });

  it("installs that Node for npm run, npx and npm test, and types and engines follow it", () => {
    expect(major(pkg.devDependencies.node!)).toBe(NODE_MAJOR);
    expect(major(pkg.devDependencies["@types/node"]!)).toBe(NODE_MAJOR);
    expect(pkg.engines.node).toBe(`>=${NODE_MAJOR}`);
  });

  it("compiles the bundles to what SST targets for that runtime, as deployed", () => {
    // SST 4.17.1 picks the target by runtime (es2024 for nodejs24.x) and ignores a "node24" one.
    expect(SST_TARGET[LAMBDA_RUNTIME]).toMatch(/^es20\d\d$/);
    expect(esbuildOptions().target).toBe(SST_TARGET[LAMBDA_RUNTIME]);
  });
});
