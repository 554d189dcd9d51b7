import { execFileSync } from "node:child_process";
import { isBuiltin } from "node:module";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { build, type Metafile } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INIT_ENV, probe } from "../bench/cold-start.ts";
import { openApiDocument } from "../functions/edge/openapi.ts";
import { jobs } from "../functions/jobs.ts";
import { routes } from "../functions/routes.ts";
import { BUNDLING, type Bundling, SST_ESM_BANNER } from "../infra/bundling.ts";
import { NATIVE_PACKAGES } from "../infra/native-packages.ts";
import { LAMBDA_RUNTIME } from "../infra/runtime.ts";
import { buildFunctions, esbuildOptions, root, type BuiltFunction } from "./build.ts";

// Read here rather than from build.ts's own list, so a function the build forgot fails the test.
const handlers = [
  ...Object.values(routes).map((route) => route.handler),
  ...Object.values(jobs).map((job) => job.handler),
];
/** `functions/x/y.handler` → `functions/x/y.ts`. */
const entryOf = (handler: string) => `${handler.slice(0, handler.lastIndexOf("."))}.ts`;
const expected = [...new Set(handlers)].map((handler) => ({
  handler,
  entry: entryOf(handler),
  exportName: handler.slice(handler.lastIndexOf(".") + 1),
}));

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

  // On Lambda's managed runtime (Linux with glibc) the bundles that hash passwords open argon2's
  // binding where SST installs it, under LAMBDA_TASK_ROOT (scripts/argon2-binding.cjs), and never
  // run the package's own loader; elsewhere they do. What a process required and what it mapped
  // tell which.
  it("opens argon2's binding under LAMBDA_TASK_ROOT without the package's loader", () => {
    const header = (process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header;
    const lambdaLike = process.platform === "linux" && header.glibcVersionRuntime !== undefined;
    const binding = `argon2.linux-${process.arch}-gnu.node`;
    const script = `
      import { readFileSync } from "node:fs";
      import { createRequire } from "node:module";
      await import(process.argv[1]);
      const required = Object.keys(createRequire(import.meta.url).cache);
      const maps = process.platform === "linux" ? readFileSync("/proc/self/maps", "utf8") : "";
      console.log(JSON.stringify({
        loader: required.some((file) => file.endsWith(${JSON.stringify(join("@node-rs", "argon2", "index.js"))})),
        mapped: maps.includes(${JSON.stringify(binding)}),
      }));
    `;
    const started = (fn: BuiltFunction, env: Record<string, string>) =>
      JSON.parse(
        execFileSync(process.execPath, ["--input-type=module", "-e", script, pathToFileURL(fn.outfile).href], {
          encoding: "utf8",
          env: { PATH: process.env.PATH ?? "", ...env },
        }),
      ) as { loader: boolean; mapped: boolean };
    // The control: off Lambda, the same bundle goes through the package's loader.
    const { AWS_EXECUTION_ENV: _, ...elsewhere } = INIT_ENV;
    const hashing = NATIVE_PACKAGES["@node-rs/argon2"]!;
    expect(hashing.length).toBeGreaterThan(0);
    for (const handler of hashing) {
      const fn = bundleOf(entryOf(handler));
      expect(started(fn, INIT_ENV), handler).toEqual({ loader: !lambdaLike, mapped: lambdaLike });
      expect(started(fn, elsewhere).loader, handler).toBe(true);
    }
  });

  // A concept's answer shapes (its schema.ts) are built at init by every function that loads the
  // module, whether it answers with them or not; what a request sends lives apart (input.ts,
  // params.ts, query.ts). Held to it: the writes that hash passwords, which load the most besides,
  // and the resource routes.
  it("builds no answer shape of user, sign-in, session, resource or page where only requests are parsed", async () => {
    const { outputs } = JSON.parse(await readFile(join(scratch, "functions", "meta.json"), "utf8")) as Metafile;
    const answers = [
      "core/auth/schema.ts",
      "core/user/schema.ts",
      "core/session/schema.ts",
      "core/resource/schema.ts",
      "core/pagination/schema.ts",
    ];
    const carried = (entry: string) => {
      const output = Object.values(outputs).find((candidate) => candidate.entryPoint === entry)!;
      return answers.filter((answer) => answer in output.inputs);
    };
    // The control: a list pages, and carries the page query's module.
    expect(carried("functions/admin/list-users.ts")).toEqual(["core/pagination/schema.ts"]);
    expect(carried("functions/orgs/resources/list.ts")).toEqual(["core/pagination/schema.ts"]);
    const resources = Object.values(routes)
      .map((route) => route.handler as string)
      .filter((handler) => handler.startsWith("functions/orgs/resources/") && !handler.includes("/list."));
    expect(resources.length).toBe(4);
    for (const handler of [...NATIVE_PACKAGES["@node-rs/argon2"]!, ...resources])
      expect(carried(entryOf(handler)), handler).toEqual([]);
  });

  it("bundles each route's own definition and no other route's", async () => {
    const definitions = Object.values(routes).map((route) => route.handler as string);
    // The OpenAPI function too: it carries the document built at bundling, not the route table.
    const own = expected.filter((fn) => definitions.includes(fn.handler));
    expect(own.length).toBeGreaterThan(30);
    for (const { handler, entry } of own) {
      const code = await readFile(bundleOf(entry).outfile, "utf8");
      expect(
        definitions.filter((other) => code.includes(`"${other}"`)),
        entry,
      ).toEqual([handler]);
    }
  });

  it("carries functions/responses.ts in no bundle: only the OpenAPI document and the tests read it", async () => {
    const { outputs } = JSON.parse(await readFile(join(scratch, "functions", "meta.json"), "utf8")) as Metafile;
    const entries = Object.values(outputs).filter((output) => output.entryPoint);
    const carrying = (file: string) => entries.filter((output) => file in output.inputs).map((o) => o.entryPoint);
    expect(carrying("functions/routes.ts").length).toBeGreaterThan(30);
    expect(carrying("functions/responses.ts")).toEqual([]);
  });

  it("stubs out debug and keeps no names in any bundle", async () => {
    const { outputs } = JSON.parse(await readFile(join(scratch, "functions", "meta.json"), "utf8")) as Metafile;
    const me = Object.values(outputs).find((candidate) => candidate.entryPoint === "functions/me/get.ts")!;
    expect(me.inputs["scripts/no-debug.ts"]?.bytesInOutput).toBeGreaterThan(0);
    for (const fn of built) {
      const output = Object.values(outputs).find((candidate) => candidate.entryPoint === fn.entry)!;
      expect(
        Object.keys(output.inputs).filter((input) => input.includes("node_modules/debug/")),
        fn.id,
      ).toEqual([]);
      expect(await readFile(fn.outfile, "utf8"), fn.id).not.toContain("__name(");
    }
  });

  it("carries pg's native client in no bundle: it needs pg-native, which no function has", async () => {
    const { outputs } = JSON.parse(await readFile(join(scratch, "functions", "meta.json"), "utf8")) as Metafile;
    for (const fn of built) {
      const output = Object.values(outputs).find((candidate) => candidate.entryPoint === fn.entry)!;
      const inputs = Object.keys(output.inputs);
      expect(
        inputs.filter((input) => input.includes("node_modules/pg/lib/native/")),
        fn.id,
      ).toEqual([]);
      if (inputs.some((input) => input.endsWith("node_modules/pg/lib/index.js")))
        expect(inputs, fn.id).toContain("scripts/no-pg-native.cjs");
    }
  });

  it("carries zod's English messages in every bundle that carries zod, jobs and consumers too", async () => {
    const { outputs } = JSON.parse(await readFile(join(scratch, "functions", "meta.json"), "utf8")) as Metafile;
    const carried = (fn: BuiltFunction, file: string) =>
      Object.entries(Object.values(outputs).find((output) => output.entryPoint === fn.entry)!.inputs).some(
        ([input, { bytesInOutput }]) => input.endsWith(file) && bytesInOutput > 0,
      );
    // Not every bundle: one that parses no request and no zod-built shape carries none of zod.
    const withZod = built.filter((fn) => carried(fn, "node_modules/zod/v4/core/schemas.js"));
    expect(withZod.length).toBeGreaterThan(30);
    // core/zod configures them as a side effect of its module, which a bundle keeps only when it
    // uses one of core/zod's own exports: a job that used none parsed its config in "Invalid input".
    expect(withZod.filter((fn) => !carried(fn, "node_modules/zod/v4/locales/en.js")).map((fn) => fn.id)).toEqual([]);
  });

  it("keeps zod's iso and coerce namespaces out of every bundle (core/zod's isoDateTime and coercedNumber)", async () => {
    // Members only those namespaces reach: one `z.iso.…` or `z.coerce.…` would bring them back.
    for (const fn of built) {
      const code = await readFile(fn.outfile, "utf8");
      expect(
        ["ZodMiniISODuration", "ZodMiniBigInt"].filter((name) => code.includes(`"${name}"`)),
        fn.id,
      ).toEqual([]);
    }
    // …while the schemas that replaced them are there.
    const list = await readFile(bundleOf("functions/audit/list-org.ts").outfile, "utf8");
    expect(list).toContain('"ZodMiniISODateTime"');
    expect(list).toContain('"ZodMiniNumber"');
  });
});

// SST 4.17.1's Node runtime restated for a deployed ESM function: the esbuild options
// it builds from a function's `nodejs` option and runtime. What SST deploys is what is measured
// only while scripts/build.ts builds with these.
function sstEsbuildOptions(nodejs: Bundling, runtime: string, install: readonly string[]) {
  const targets: Record<string, string> = { "nodejs24.x": "es2024", "nodejs22.x": "es2023", "nodejs20.x": "es2023" };
  return {
    platform: "node",
    format: "esm",
    target: targets[runtime],
    mainFields: ["module", "main"],
    bundle: true,
    keepNames: nodejs.esbuild.keepNames ?? true,
    minifyWhitespace: nodejs.minify,
    minifySyntax: nodejs.minify,
    minifyIdentifiers: nodejs.minify,
    sourcemap: nodejs.esbuild.sourcemap === false ? false : "linked",
    external: ["sharp", "pg-native", ...install],
    banner: { js: SST_ESM_BANNER },
  };
}

describe("the measured build is the deployed one", () => {
  it("builds with the esbuild options SST derives from the functions' `nodejs` option", () => {
    const deployed = sstEsbuildOptions(BUNDLING, LAMBDA_RUNTIME, Object.keys(NATIVE_PACKAGES));
    const measured = esbuildOptions();
    expect(
      Object.fromEntries(Object.keys(deployed).map((key) => [key, measured[key as keyof typeof measured]])),
    ).toEqual(deployed);
    // Nothing SST would not pass on: esbuild options it drops (alias, define-by-us, …) stay out.
    const measuredOnly = Object.keys(measured).filter((key) => !(key in deployed));
    expect(measuredOnly.sort()).toEqual(["absWorkingDir", "logLevel", "metafile", "plugins", "write"]);
    expect(BUNDLING.esbuild.keepNames).toBe(false);
  });

  it("uses the plugins SST loads, and they work as SST's bridge runs them", () => {
    expect(esbuildOptions().plugins?.map((plugin) => plugin.name)).toEqual([
      "no-debug",
      "no-pg-native",
      "argon2-binding",
      "require-builtins",
      "openapi-document",
    ]);
    // SST 4.17.1's bridge, restated: plain `node` imports the file and calls each plugin's setup
    // with its own API; esbuild's every resolve and load arrives as {id, command, value: {path, …}},
    // and each filter is tested against the message's (absent) `path`, not value.path.
    const script = `
      const { default: plugins } = await import(process.argv[1]);
      const hooks = { resolve: [], load: [] };
      for (const plugin of plugins)
        plugin.setup({
          onResolve: (options, callback) => hooks.resolve.push({ options, callback }),
          onLoad: (options, callback) => hooks.load.push({ options, callback }),
          onEnd() {},
        });
      const bridge = async (msg) => {
        for (const { options, callback } of hooks[msg.command]) if (new RegExp(options.filter).test(msg.path)) { const reply = await callback(msg.value); if (reply) return reply; }
        return {};
      };
      const resolve = (path, kind) => bridge({ id: 0, command: "resolve", value: { path, importer: "/x/node_modules/ioredis/built/utils/debug.js", kind } });
      const load = (path, namespace) => bridge({ id: 1, command: "load", value: { path, namespace } });
      console.log(JSON.stringify([
        await resolve("debug", "require-call"),
        await resolve("debug-like", "require-call"),
        await resolve("./debug", "require-call"),
        await bridge({ id: 0, command: "resolve", value: { path: "./native", importer: "/x/node_modules/pg/lib/index.js", kind: "require-call" } }),
        await resolve("./native", "require-call"),
        await resolve("node:fs", "import-statement"),
        await resolve("crypto", "import-statement"),
        await resolve("crypto", "require-call"),
        await bridge({ id: 0, command: "resolve", value: { path: "node:fs", kind: "require-call", namespace: "node-builtin" } }),
        await resolve("kysely", "import-statement"),
        await resolve("@node-rs/argon2", "import-statement"),
        await bridge({ id: 0, command: "resolve", value: { path: "@node-rs/argon2", importer: process.argv[3], kind: "require-call" } }),
        await load("node:fs", "node-builtin").then((reply) => ({ ...reply, contents: reply.contents?.split("\\n", 1)[0] })),
        await load("/x/core/db/index.ts", "file"),
        await load(process.argv[2], "file").then((reply) => ({ ...reply, contents: reply.contents?.slice(0, 16) })),
      ]));
    `;
    const out = execFileSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        script,
        pathToFileURL(join(root, BUNDLING.plugins)).href,
        join(root, "functions", "edge", "openapi.ts"),
        join(root, "scripts", "argon2-binding.cjs"),
      ],
      { encoding: "utf8" },
    );
    expect(JSON.parse(out)).toEqual([
      { path: join(root, "scripts", "no-debug.ts") },
      {},
      {},
      { path: join(root, "scripts", "no-pg-native.cjs") },
      {},
      { path: "node:fs", namespace: "node-builtin" },
      { path: "crypto", namespace: "node-builtin" },
      {},
      { path: "node:fs", external: true },
      {},
      { path: join(root, "scripts", "argon2-binding.cjs") },
      {},
      { contents: 'const builtin = require("node:fs");', loader: "js" },
      {},
      { contents: 'const packed = "', loader: "js" },
    ]);
  });

  it("serves, from the OpenAPI function's bundle, the document the route table's generator builds", async () => {
    const fn = bundleOf("functions/meta/openapi.ts");
    const script = `
      const { handler } = await import(process.argv[1]);
      const event = { routeKey: "GET /openapi.json", rawPath: "/openapi.json", headers: {}, requestContext: { requestId: "r", http: { method: "GET" } } };
      const answer = await handler(event, {});
      process.stdout.write(JSON.stringify({ status: answer.statusCode, body: JSON.parse(answer.body) }));
    `;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script, pathToFileURL(fn.outfile).href], {
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "", ...INIT_ENV },
    });
    expect(JSON.parse(out)).toEqual({ status: 200, body: await openApiDocument() });
    // What makes it worth it: none of the route table's schemas in the bundle.
    expect(await readFile(fn.outfile, "utf8")).not.toContain(routes["POST /auth/register"].summary);
  });

  it("hands an imported builtin's names, its default and its namespace over as Node's own import does", async () => {
    const entry = join(scratch, "builtins-entry.mjs");
    const outfile = join(scratch, "builtins.mjs");
    await writeFile(
      entry,
      [
        'import crypto, { createHash, randomUUID as uuid } from "node:crypto";',
        'import * as path from "path";',
        'import { readFileSync } from "fs";',
        'import * as real from "node:module";',
        "const own = real.createRequire(import.meta.url);",
        "console.log(JSON.stringify({",
        '  named: createHash === own("node:crypto").createHash && uuid === own("crypto").randomUUID,',
        '  default: crypto === own("node:crypto"),',
        '  namespace: path.join === own("path").join && path.default === own("path") && Object.keys(path).length > 10,',
        '  other: readFileSync === own("fs").readFileSync,',
        "}));",
      ].join("\n"),
    );
    await build({ ...esbuildOptions(), entryPoints: [entry], outfile, metafile: false });
    const out = execFileSync(process.execPath, [outfile], { encoding: "utf8" });
    expect(JSON.parse(out)).toEqual({ named: true, default: true, namespace: true, other: true });
    // Only the names used are read (fs's promises getter is not), and no builtin is copied over
    // property by property, as esbuild's CommonJS interop (`__toESM`) would.
    const text = await readFile(outfile, "utf8");
    expect(text).toContain('"readFileSync"');
    expect(text).not.toContain('"promises"');
    expect(text).not.toContain("getOwnPropertyNames");
    // A name the building Node's builtin lacks is a failed build, not an undefined at run time.
    await writeFile(entry, 'import { noSuchExport } from "node:fs";\nconsole.log(noSuchExport);\n');
    await expect(
      build({ ...esbuildOptions(), entryPoints: [entry], outfile, metafile: false, logLevel: "silent" }),
    ).rejects.toThrow(/No matching export in "node-builtin:node:fs" for import "noSuchExport"/);
  });

  it("loads no bundle with Node's fetch (undici), which only a builtin's lazy getter would bring in", () => {
    // One process imports every bundle in turn: the first after which undici is loaded is named.
    const script = `
      for (const url of process.argv.slice(1)) {
        await import(url);
        if (process.moduleLoadList.some((name) => name.includes("undici"))) { console.log(url); break; }
      }
    `;
    const urls = built.map((fn) => pathToFileURL(fn.outfile).href);
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script, ...urls], {
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "", ...INIT_ENV },
    });
    expect(out.trim()).toBe("");
  });

  // esbuild wraps a module a dynamic import reaches, and every module that one imports, in a
  // function that runs it on first need: V8 then scans its code twice, once with the file and again
  // when the wrapper runs. A schema module loaded that way from the route table wrapped zod in every
  // function (~6 million instructions of each start); the AWS SDK's own lazy loading is left as is.
  it("reaches none of the project's modules, nor zod, through a dynamic import", async () => {
    const metafile = JSON.parse(await readFile(join(scratch, "functions", "meta.json"), "utf8")) as Metafile;
    const lazy = Object.values(metafile.inputs).flatMap(({ imports }) =>
      imports.filter((entry) => entry.kind === "dynamic-import" && !entry.external).map((entry) => entry.path),
    );
    expect(lazy.length).toBeGreaterThan(0);
    const reached = new Set(lazy);
    for (const input of reached)
      for (const entry of metafile.inputs[input]?.imports ?? []) if (!entry.external) reached.add(entry.path);
    const ours = (input: string) => !input.includes("node_modules/") && !input.startsWith("node-builtin:");
    expect([...reached].filter((input) => ours(input) || input.includes("node_modules/zod/"))).toEqual([]);
  });

  it("leaves no import of a Node builtin in a bundle: each is a require", async () => {
    const metafile = JSON.parse(await readFile(join(scratch, "functions", "meta.json"), "utf8")) as Metafile;
    const outputs = Object.values(metafile.outputs).filter((output) => output.entryPoint);
    expect(outputs).toHaveLength(built.length);
    for (const output of outputs) {
      const imported = output.imports.filter(
        (entry) => entry.external && entry.kind === "import-statement" && isBuiltin(entry.path),
      );
      expect({ entry: output.entryPoint, imported }).toEqual({ entry: output.entryPoint, imported: [] });
      // What it requires instead: every bundle uses builtins (pg alone needs net, crypto, …).
      expect(output.imports.some((entry) => entry.kind === "require-call" && isBuiltin(entry.path))).toBe(true);
    }
  });
});

const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [path] : [];
  });

// A function's code imports a builtin by name: a namespace used as a value is an object of every
// export, each read at init (node:http's WebSocket getter alone loads undici, ~85 million
// instructions). Stricter than needed (property access alone would be fine), and simpler to keep.
describe("builtin imports", () => {
  const namespaces = ["core", "functions"].flatMap((dir) =>
    sources(join(root, dir)).flatMap((file) =>
      [...readFileSync(file, "utf8").matchAll(/^import \* as \w+ from "([^"]+)";$/gm)]
        .filter(([, specifier]) => isBuiltin(specifier!))
        .map(([line]) => `${relative(root, file)}: ${line}`),
    ),
  );

  it("imports no Node builtin as a namespace in a function's code", () => {
    expect(namespaces).toEqual([]);
  });
});

// V8 builds a regular-expression literal's Unicode property classes (`\p{L}`) while it parses the
// file, whether the pattern is ever used or not: such a pattern is compiled on first use instead
// (core/validation/unicode-pattern.ts).
describe("Unicode property classes", () => {
  // A `/` where an expression starts (not after a name, a number or a closing bracket, where it
  // divides), then the pattern's body up to a `\p{` or `\P{`. A line scan, not a parser.
  const literal = /(?:^|[=(,:!&|?{};\s[<>+\-*%~^])\/(?:\\[^pP]|[^/\\\n])*\\[pP]\{/;
  const comment = /^\s*(?:\/\/|\*|\/\*)/;
  const found = ["core", "functions"].flatMap((dir) =>
    sources(join(root, dir)).flatMap((file) =>
      readFileSync(file, "utf8")
        .split("\n")
        .filter((line) => !comment.test(line) && literal.test(line))
        .map((line) => `${relative(root, file)}: ${line.trim()}`),
    ),
  );

  it("sees a literal with one, so the rule below is not vacuous", () => {
    expect(literal.test("  const letter = /[\\p{L}]/u;")).toBe(true);
    expect(literal.test('  if (/\\P{Cs}/u.test(text)) return "x";')).toBe(true);
    expect(literal.test("  const patterns = [/\\p{L}/u];")).toBe(true);
    expect(literal.test("  const test = (s: string) =>/\\p{N}/u.test(s);")).toBe(true);
    expect(literal.test("  const letter = unicodePattern(String.raw`[\\p{L}]`);")).toBe(false);
  });

  it("has no regular-expression literal with one in a function's code", () => {
    expect(found).toEqual([]);
  });
});

// Minified without keepNames, a class's own name is gone: an error is logged and mapped by the
// `name` it sets itself, so every error class must set one, spelled as the class is.
describe("error classes", () => {
  const classes = ["core", "functions", "local"].flatMap((dir) =>
    sources(join(root, dir)).flatMap((file) => {
      const text = readFileSync(file, "utf8");
      return [...text.matchAll(/class (\w+Error) extends \w+ \{([\s\S]*?)\n\}/g)].map(([, name, body]) => ({
        file: relative(root, file),
        name: name!,
        body: body!,
      }));
    }),
  );

  it("finds the error classes it checks", () => {
    expect(classes.map((c) => c.name)).toContain("VisibleError");
  });

  it.each(classes)("$name ($file) names itself", ({ name, body }) => {
    expect(body).toContain(`override name = "${name}"`);
  });
});
