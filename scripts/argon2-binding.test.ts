import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { root } from "./build.ts";

const BINDING = join(root, "scripts", "argon2-binding.cjs");
const LOADER = join("@node-rs", "argon2", "index.js");

/** Requires scripts/argon2-binding.cjs in a fresh node with LAMBDA_TASK_ROOT set to `taskRoot`. */
function withTaskRoot(taskRoot: string): { loader: boolean; crossVerified: boolean } {
  // Cheap parameters: what is checked is that both bindings read each other's hashes.
  const script = `
    const binding = require(${JSON.stringify(BINDING)});
    const loader = Object.keys(require.cache).some((file) => file.endsWith(${JSON.stringify(LOADER)}));
    const argon2 = require("@node-rs/argon2");
    const options = { memoryCost: 1024, timeCost: 1 };
    const mine = binding.hashSync("correct horse", options);
    const theirs = argon2.hashSync("correct horse", options);
    console.log(JSON.stringify({
      loader,
      crossVerified:
        argon2.verifySync(mine, "correct horse") &&
        binding.verifySync(theirs, "correct horse") &&
        !binding.verifySync(theirs, "wrong horse"),
    }));
  `;
  const out = execFileSync(process.execPath, ["-e", script], {
    encoding: "utf8",
    cwd: root,
    env: { PATH: process.env.PATH ?? "", LAMBDA_TASK_ROOT: taskRoot },
  });
  return JSON.parse(out);
}

let empty: string | undefined;

afterAll(async () => {
  if (empty) await rm(empty, { recursive: true, force: true });
});

// Which way a bundle loads it on Lambda's platform is checked on the bundles (scripts/build.test.ts).
describe("argon2's binding in a function bundle (scripts/argon2-binding.cjs)", () => {
  it("hashes and verifies as the package does", () => {
    expect(withTaskRoot(root).crossVerified).toBe(true);
  });

  it("falls back on the package's own loader where LAMBDA_TASK_ROOT holds no binding", async () => {
    empty = await mkdtemp(join(tmpdir(), "voxguard-task-root-"));
    expect(withTaskRoot(empty)).toEqual({ loader: true, crossVerified: true });
  });
});
