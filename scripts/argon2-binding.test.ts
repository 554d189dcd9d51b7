import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LAMBDA_RUNTIME } from "../infra/runtime.ts";
import { root } from "./build.ts";

const BINDING = join(root, "scripts", "argon2-binding.cjs");
const LOADER = join("@node-rs", "argon2", "index.js");
const PLATFORM = `linux-${process.arch}-gnu`;

interface Loaded {
  /** The package's own loader ran. */
  loader: boolean;
  /** The binding's exports are the package's, and it verifies what it hashed. */
  works: boolean;
}

/** Requires scripts/argon2-binding.cjs in a fresh node, as Lambda's managed runtime would start it. */
function load(taskRoot: string, env: Record<string, string> = {}): Loaded {
  const script = `
    const binding = require(${JSON.stringify(BINDING)});
    const loader = Object.keys(require.cache).some((file) => file.endsWith(${JSON.stringify(LOADER)}));
    const keys = (value) => JSON.stringify(Object.keys(value).sort());
    // Cheap parameters: what is checked is that the binding works, not argon2's cost.
    const hashed = binding.hashSync("correct horse", { memoryCost: 1024, timeCost: 1 });
    console.log(JSON.stringify({
      loader,
      works:
        keys(binding) === keys(require("@node-rs/argon2")) &&
        binding.verifySync(hashed, "correct horse") &&
        !binding.verifySync(hashed, "wrong horse"),
    }));
  `;
  const out = execFileSync(process.execPath, ["-e", script], {
    encoding: "utf8",
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      PATH: process.env.PATH ?? "",
      AWS_EXECUTION_ENV: `AWS_Lambda_${LAMBDA_RUNTIME}`,
      LAMBDA_TASK_ROOT: taskRoot,
      ...env,
    },
  });
  return JSON.parse(out);
}

let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "voxguard-task-root-"));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

// Which way a bundle loads it on Lambda's platform is checked on the bundles (scripts/build.test.ts).
describe("argon2's binding in a function bundle (scripts/argon2-binding.cjs)", () => {
  it("exports what the package does, and hashes and verifies", () => {
    expect(load(root).works).toBe(true);
  });

  it("falls back on the package's own loader where LAMBDA_TASK_ROOT holds no binding", async () => {
    const empty = join(scratch, "empty");
    await mkdir(empty);
    expect(load(empty)).toEqual({ loader: true, works: true });
  });

  it("leaves napi-rs's own override to the package's loader", () => {
    const binding = join(root, "node_modules", "@node-rs", `argon2-${PLATFORM}`, `argon2.${PLATFORM}.node`);
    expect(load(root, { NAPI_RS_NATIVE_LIBRARY_PATH: binding })).toEqual({ loader: true, works: true });
  });

  it("fails the start with the binding's own error when the one installed doesn't open", async () => {
    const broken = join(scratch, "broken");
    const folder = join(broken, "node_modules", "@node-rs", `argon2-${PLATFORM}`);
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, `argon2.${PLATFORM}.node`), "not a shared object");
    expect(() => load(broken)).toThrow(/argon2\.linux-[a-z0-9]+-gnu\.node/);
  });
});
