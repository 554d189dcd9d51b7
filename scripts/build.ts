import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { build, type BuildOptions, type Metafile, type Plugin } from "esbuild";
import { jobs } from "../functions/jobs.ts";
import { routes } from "../functions/routes.ts";
import { BUNDLING, SST_ESM_BANNER, SST_TARGET } from "../infra/bundling.ts";
import { LAMBDA_RUNTIME } from "../infra/runtime.ts";

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const defaultOutdir = join(root, "dist", "functions");

/**
 * Installed next to the bundle instead of bundled (infra/function-defaults.ts `nodejs.install`):
 * a native addon whose binary must match Lambda's platform.
 */
export const INSTALLED = ["@node-rs/argon2"];

/** SST always marks these external, whatever the function says: pg requires pg-native lazily. */
const FORCE_EXTERNAL = ["sharp", "pg-native"];

export type Client = "s3" | "sqs";

/**
 * Packages that pull an AWS SDK client into a bundle. Each is hundreds of KB and tens of ms of
 * init, which a function that can do without it should not pay for.
 */
const CLIENT_PACKAGES: Record<Client, readonly string[]> = {
  s3: ["@aws-sdk/client-s3", "@aws-sdk/lib-storage", "@aws-sdk/s3-request-presigner"],
  sqs: ["@aws-sdk/client-sqs"],
};

/**
 * The functions that may carry an AWS SDK client, and why. Nothing else may: audit events and the
 * health check reach SQS through core/aws/sqs.ts, a few KB instead of the SDK's ~340 KB.
 */
const SDK_CLIENTS: Record<string, readonly Client[]> = {
  // The export streams the trail into the bucket (multipart) and presigns the download.
  "POST /orgs/{orgId}/audit/exports": ["s3"],
  // The sealer writes each seal's digest object into the bucket.
  [jobs.auditSeal.handler]: ["s3"],
};

export interface FunctionSpec {
  /** Route key, or the handler path for a function outside the route table. */
  id: string;
  /** Output folder under the outdir, e.g. `orgs/members/list`. */
  name: string;
  /** Source file relative to the repository root. */
  entry: string;
  /** The export Lambda calls. */
  exportName: string;
  allowed: readonly Client[];
}

function parseHandler(handler: string): { entry: string; exportName: string; name: string } {
  const dot = handler.lastIndexOf(".");
  const file = handler.slice(0, dot);
  return { entry: `${file}.ts`, exportName: handler.slice(dot + 1), name: relative("functions", file) };
}

function allowedFor(id: string): readonly Client[] {
  return SDK_CLIENTS[id] ?? [];
}

/** Every function the app deploys: one per route-table handler, plus the jobs table's. */
export function listFunctions(): FunctionSpec[] {
  const byEntry = new Map<string, FunctionSpec>();
  const add = (id: string, handler: string) => {
    const parsed = parseHandler(handler);
    const known = byEntry.get(parsed.entry);
    if (known) {
      // One file behind two routes is one bundle; it may use whatever either route may.
      known.allowed = [...new Set([...known.allowed, ...allowedFor(id)])];
      return;
    }
    byEntry.set(parsed.entry, { id, ...parsed, allowed: allowedFor(id) });
  };
  for (const [routeKey, route] of Object.entries(routes)) add(routeKey, route.handler);
  for (const { handler } of Object.values(jobs)) add(handler, handler);
  return [...byEntry.values()];
}

/** The plugins SST loads from BUNDLING.plugins, loaded from the same file. */
const plugins = ((await import(pathToFileURL(join(root, BUNDLING.plugins)).href)) as { default: Plugin[] }).default;

/**
 * What SST 4.17.1's Node runtime hands esbuild for a deployed (non-dev) function given
 * infra/bundling.ts as its `nodejs` option: keepNames on unless
 * told otherwise, the target by the Lambda runtime, the three minify flags together, `module`
 * before `main`, a linked source map unless turned off, the force-external packages and the
 * installed ones, and the banner that gives an ESM bundle `require` and `__dirname`.
 */
export function esbuildOptions(): BuildOptions {
  return {
    absWorkingDir: root,
    platform: "node",
    format: BUNDLING.format,
    target: SST_TARGET[LAMBDA_RUNTIME],
    mainFields: ["module", "main"],
    bundle: true,
    keepNames: BUNDLING.esbuild.keepNames,
    plugins,
    minifyWhitespace: BUNDLING.minify,
    minifySyntax: BUNDLING.minify,
    minifyIdentifiers: BUNDLING.minify,
    sourcemap: BUNDLING.esbuild.sourcemap ? "linked" : false,
    metafile: true,
    write: true,
    external: [...FORCE_EXTERNAL, ...INSTALLED],
    banner: { js: SST_ESM_BANNER },
    logLevel: "warning",
  };
}

export interface BuiltFunction extends FunctionSpec {
  outfile: string;
  bytes: number;
  /** What Lambda downloads is zipped; shown for scale, the limit is on the bundle itself. */
  gzipBytes: number;
  /** Clients whose code ended up in the bundle (bytes in the output, not merely resolved). */
  contains: Client[];
  /** For each client the bundle contains but may not: the import chain from the entry to it. */
  violations: { client: Client; chain: string[] }[];
}

function packageOf(input: string): string | undefined {
  // The last node_modules segment names the package that owns the file, hoisted or nested.
  const match = /.*node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  return match?.[1];
}

function clientOf(input: string): Client | undefined {
  const pkg = packageOf(input);
  if (!pkg) return undefined;
  return (Object.keys(CLIENT_PACKAGES) as Client[]).find((client) => CLIENT_PACKAGES[client].includes(pkg));
}

/** Shortest path of imports from the entry to a file of the client, over the metafile's graph. */
export function importChain(metafile: Metafile, entry: string, client: Client): string[] {
  const previous = new Map<string, string | undefined>([[entry, undefined]]);
  const queue = [entry];
  while (queue.length > 0) {
    const current = queue.shift()!;
    if (clientOf(current) === client) {
      const chain: string[] = [];
      for (let at: string | undefined = current; at !== undefined; at = previous.get(at)) chain.unshift(at);
      // Inside the client package its own files add nothing: stop at the first one.
      return chain;
    }
    for (const imported of metafile.inputs[current]?.imports ?? []) {
      if (imported.external || previous.has(imported.path) || !metafile.inputs[imported.path]) continue;
      previous.set(imported.path, current);
      queue.push(imported.path);
    }
  }
  return [];
}

export interface BuildFunctionsOptions {
  outdir?: string;
  /** Limit the build to these functions (by id or name). */
  only?: readonly string[];
}

/**
 * Bundles every function as SST would deploy it, each into `<outdir>/<name>/index.mjs`. One esbuild
 * run with an entry point a function: without splitting each entry is still bundled and
 * tree-shaken on its own (the same bytes as a build per function), but shared files are parsed once.
 */
export async function buildFunctions(options: BuildFunctionsOptions = {}): Promise<BuiltFunction[]> {
  const outdir = options.outdir ?? defaultOutdir;
  const functions = listFunctions().filter(
    (fn) => !options.only || options.only.includes(fn.id) || options.only.includes(fn.name),
  );
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  const result = await build({
    ...esbuildOptions(),
    entryPoints: functions.map((fn) => ({ in: join(root, fn.entry), out: join(fn.name, "index") })),
    outdir,
    outExtension: { ".js": ".mjs" },
  });
  const metafile = result.metafile!;
  await writeFile(join(outdir, "meta.json"), JSON.stringify(metafile));
  return Promise.all(
    functions.map(async (fn) => {
      const outfile = join(outdir, fn.name, "index.mjs");
      const output = Object.values(metafile.outputs).find((o) => o.entryPoint === fn.entry);
      if (!output) throw new Error(`esbuild wrote no bundle for ${fn.entry}`);
      const contains = new Set<Client>();
      for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
        const client = clientOf(input);
        if (client && bytesInOutput > 0) contains.add(client);
      }
      const violations = [...contains]
        .filter((client) => !fn.allowed.includes(client))
        .map((client) => ({ client, chain: importChain(metafile, fn.entry, client) }));
      const code = await readFile(outfile);
      return {
        ...fn,
        outfile,
        bytes: code.length,
        gzipBytes: gzipSync(code).length,
        contains: [...contains].sort(),
        violations,
      };
    }),
  );
}

/**
 * What makes the build fail: a client where it doesn't belong. Size is a target, reported by the
 * table and by `npm run bench`, not a reason to refuse a deployable bundle.
 */
export function problems(built: readonly BuiltFunction[]): string[] {
  const found: string[] = [];
  for (const fn of built) {
    for (const { client, chain } of fn.violations) {
      found.push(
        `${fn.name} (${fn.id}) contains the ${client.toUpperCase()} client it doesn't use, via:\n    ${chain.join("\n    -> ")}`,
      );
    }
  }
  return found;
}

export const kb = (bytes: number): string => (bytes / 1024).toFixed(1);

export function sizeTable(built: readonly BuiltFunction[]): string {
  const rows = [...built]
    .sort((a, b) => b.bytes - a.bytes)
    .map((fn) => [
      fn.name,
      String(fn.bytes),
      kb(fn.bytes),
      kb(fn.gzipBytes),
      fn.contains.join("+") || "-",
      fn.allowed.join("+") || "-",
    ]);
  const header = ["function", "bytes", "KB", "gzip KB", "clients", "may use"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === 0 || i >= 4 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

async function main(): Promise<void> {
  const built = await buildFunctions();
  console.log(sizeTable(built));
  console.log(`\n${built.length} functions in ${relative(process.cwd(), defaultOutdir) || "."}`);
  console.log("sizes and init against their targets: npm run bench -- cold-start");
  const found = problems(built);
  if (found.length > 0) {
    console.error(`\nbuild failed:\n- ${found.join("\n- ")}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
