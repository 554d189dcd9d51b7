import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import type { Metafile } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { probe } from "../bench/cold-start.ts";
import { jobs } from "../functions/jobs.ts";
import { routes } from "../functions/routes.ts";
import { NATIVE_PACKAGES } from "../infra/native-packages.ts";
import { buildFunctions, root, type BuiltFunction } from "./build.ts";

// Read here rather than from build.ts's own list, so a function the build forgot fails the test.
const handlers = [
  ...Object.values(routes).map((route) => route.handler),
  ...Object.values(jobs).map((job) => job.handler),
];
const expected = [...new Set(handlers)].map((handler) => {
  const dot = handler.lastIndexOf(".");
  return { handler, entry: `${handler.slice(0, dot)}.ts`, exportName: handler.slice(dot + 1) };
});

let scratch: string;
let built: BuiltFunction[];

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "voxguard-build-"));
  // argon2 is installed next to a deployed bundle, not bundled; the repository's stands in for it.
  await symlink(join(root, "node_modules"), join(scratch, "node_modules"), "dir");
  built = await buildFunctions({ outdir: join(scratch, "functions") });
});

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

const bundleOf = (entry: string) => {
  const fn = built.find((candidate) => candidate.entry === entry);
  if (!fn) throw new Error(`no bundle built for ${entry}`);
  return fn;
};

describe("function bundles", () => {
  it.each(expected)("$handler bundles and exports its handler", ({ entry, exportName }) => {
    const fn = bundleOf(entry);
    // A fresh node, as Lambda loads it: vitest's own module loader would transform the bundle.
    const result = probe(fn.outfile, exportName);
    expect(result.error).toBe("");
    expect(result.ok).toBe(true);
  });

  it("builds nothing outside the route table and the queue and job functions", () => {
    expect(built.map((fn) => fn.entry).sort()).toEqual(expected.map((fn) => fn.entry).sort());
  });

  it("keeps the SDK's S3 and SQS clients out of every function but the export and the sealer", () => {
    const offending = built.flatMap((fn) =>
      fn.violations.map(({ client, chain }) => `${fn.id} contains ${client}: ${chain.join(" -> ")}`),
    );
    expect(offending).toEqual([]);
  });

  it("sees the S3 client where it is used, so the rule above is not vacuous", () => {
    expect(bundleOf("functions/audit/export.ts").contains).toEqual(["s3"]);
    expect(bundleOf("functions/jobs/seal-audit.ts").contains).toEqual(["s3"]);
  });

  it("sends audit events from every writing route through the small SQS client", async () => {
    const { outputs } = JSON.parse(await readFile(join(scratch, "functions", "meta.json"), "utf8")) as Metafile;
    const changes = built.filter((fn) => /^(POST|PUT|PATCH|DELETE) /.test(fn.id));
    expect(changes.length).toBeGreaterThan(0);
    for (const fn of changes) {
      const output = Object.values(outputs).find((candidate) => candidate.entryPoint === fn.entry)!;
      expect(output.inputs["core/aws/sqs.ts"]?.bytesInOutput, fn.id).toBeGreaterThan(0);
    }
  });

  it("installs a native package into exactly the functions whose bundle loads it (infra/native-packages.ts)", async () => {
    const { outputs } = JSON.parse(await readFile(join(scratch, "functions", "meta.json"), "utf8")) as Metafile;
    for (const [name, handlers] of Object.entries(NATIVE_PACKAGES)) {
      const loading = expected
        .filter(({ entry }) => {
          const output = Object.values(outputs).find((candidate) => candidate.entryPoint === entry)!;
          return output.imports.some((imported) => imported.path === name && imported.external);
        })
        .map(({ handler }) => handler);
      expect(loading.length, name).toBeGreaterThan(0);
      expect([...handlers].sort(), name).toEqual(loading.sort());
    }
  });

  it("bundles each route's own definition and no other route's (but the OpenAPI document's, which describes them all)", async () => {
    const definitions = Object.values(routes).map((route) => route.handler as string);
    const own = expected.filter((fn) => definitions.includes(fn.handler) && fn.handler !== routes["GET /openapi.json"].handler);
    expect(own.length).toBeGreaterThan(30);
    for (const { handler, entry } of own) {
      const code = await readFile(bundleOf(entry).outfile, "utf8");
      expect(definitions.filter((other) => code.includes(`"${other}"`)), entry).toEqual([handler]);
    }
  });

  it("stubs out debug and keeps no names, as the bundles are measured", async () => {
    const { outputs } = JSON.parse(await readFile(join(scratch, "functions", "meta.json"), "utf8")) as Metafile;
    const me = Object.values(outputs).find((candidate) => candidate.entryPoint === "functions/me/get.ts")!;
    expect(Object.keys(me.inputs).filter((input) => input.includes("node_modules/debug/"))).toEqual([]);
    expect(me.inputs["scripts/no-debug.ts"]?.bytesInOutput).toBeGreaterThan(0);
    expect(await readFile(bundleOf("functions/me/get.ts").outfile, "utf8")).not.toContain("__name(");
  });
});

// Minified without keepNames, a class's own name is gone: an error is logged and mapped by the
// `name` it sets itself, so every error class must set one, spelled as the class is.
describe("error classes", () => {
  const sources = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return sources(path);
      return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [path] : [];
    });
  const classes = ["core", "functions", "local"].flatMap((dir) =>
    sources(join(root, dir)).flatMap((file) => {
      const text = readFileSync(file, "utf8");
      return [...text.matchAll(/class (\w+Error) extends \w+ \{([\s\S]*?)\n\}/g)].map(([, name, body]) => ({ file: relative(root, file), name: name!, body: body! }));
    }),
  );

  it("finds the error classes it checks", () => {
    expect(classes.map((c) => c.name)).toContain("VisibleError");
  });

  it.each(classes)("$name ($file) names itself", ({ name, body }) => {
    expect(body).toContain(`override name = "${name}"`);
  });
});
