import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build as esbuild } from "esbuild";
import type { BenchResult } from "./report.ts";
import { buildFunctions, esbuildOptions, kb, MAX_BUNDLE_BYTES, root, type BuiltFunction } from "../scripts/build.ts";

export const RUNS = 10;
export const MAX_INIT_MS = 60;

/**
 * What a function reads at init, dummy but valid so config() parses. Every address is a closed
 * port on loopback: if importing a bundle did connect, it would fail fast instead of reaching a
 * real service, and the probe below reports the socket.
 */
export const INIT_ENV: Record<string, string> = {
  DATABASE_URL: "postgres://u@127.0.0.1:1/x",
  REDIS_URL: "redis://127.0.0.1:1",
  AUDIT_QUEUE_URL: "http://127.0.0.1:1/000000000000/voxguard-audit",
  QUICKWIT_URL: "http://127.0.0.1:1",
  S3_BUCKET: "voxguard-exports",
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
  AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
  LOG_LEVEL: "ERROR",
  NODE_ENV: "production",
};

/**
 * Imports one bundle the way Lambda's Node runtime loads an .mjs handler (a dynamic import), then
 * exits at once: what is measured is the work done at import. A socket or DNS lookup still open
 * at that point means the module connected while loading, which a cold start must not do (stdio
 * is a PipeWrap in every child, so plain pipes don't count).
 */
const PROBE = `
const [url, exportName] = process.argv.slice(1);
let mod;
try { mod = await import(url); } catch (error) { console.error(error?.stack ?? String(error)); process.exit(1); }
if (typeof mod[exportName] !== "function") { console.error("export " + exportName + " is " + typeof mod[exportName]); process.exit(3); }
const open = process.getActiveResourcesInfo().filter((r) => /TCP|PipeConnect|GetAddrInfo|UDP|TLS/.test(r));
if (open.length > 0) { console.error("connected while importing: " + open.join(", ")); process.exit(2); }
process.exit(0);
`;

function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  // Not the parent's environment: tsx or vitest may have put loaders in NODE_OPTIONS, and a real
  // DATABASE_URL from the shell must not leak into a probe.
  return { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...INIT_ENV, ...extra };
}

export interface ProbeResult {
  ok: boolean;
  ms: number;
  error: string;
}

/** One fresh `node` importing the file; `ok` when it loaded, exported the function and connected nowhere. */
export function probe(file: string, exportName = "handler", env: Record<string, string> = {}): ProbeResult {
  const started = performance.now();
  const child = spawnSync(process.execPath, ["--input-type=module", "-e", PROBE, pathToFileURL(file).href, exportName], {
    env: childEnv(env),
    encoding: "utf8",
    timeout: 30_000,
  });
  const ms = performance.now() - started;
  return { ok: child.status === 0, ms, error: child.status === 0 ? "" : (child.stderr || child.error?.message || `exit ${child.status}`).trim() };
}

function bareNode(): number {
  const started = performance.now();
  spawnSync(process.execPath, ["-e", ""], { env: childEnv({}) });
  return performance.now() - started;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Median of `runs` timings of `subject` and of bare node, taken in turns: on a shared machine the
 * load drifts over a run, and pairing keeps both medians under the same load.
 */
function paired(runs: number, subject: () => number, warmedUp = false): { median: number; min: number; bare: number[] } {
  // One untimed run first: the file cache, not the bundle, would make the first run slow.
  if (!warmedUp) subject();
  const times: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < runs; i++) {
    bare.push(bareNode());
    times.push(subject());
  }
  return { median: median(times) - median(bare), min: Math.min(...times) - Math.min(...bare), bare };
}

const round = (ms: number) => Math.round(ms * 10) / 10;

export interface ColdStartRow {
  function: string;
  bundleBytes: number;
  bundleKB: number;
  /** Median wall time of a fresh node importing the bundle, minus bare `node -e ""`'s median. */
  initMs: number;
  /** Fastest run minus fastest bare node: nearer an idle machine's figure when the median is noisy. */
  minInitMs: number;
  sizePass: boolean;
  initPass: boolean;
  pass: boolean;
  /** Why the import failed, when it did (then the times are NaN). */
  error?: string;
}

export interface ColdStart {
  runs: number;
  /** bench/stack-floor.ts measured like a function: the required libraries and nothing else. */
  stackFloor: ColdStartRow;
  bareNodeMs: number;
  /** An empty .mjs imported the same way: the part of every row that is Node's ESM loader, not the bundle. */
  emptyModuleMs: number;
  rows: ColdStartRow[];
}

export async function measure(options: { runs?: number; built?: BuiltFunction[] } = {}): Promise<ColdStart> {
  const runs = options.runs ?? RUNS;
  const built = options.built ?? (await buildFunctions());
  const bare: number[] = [];

  const scratch = mkdtempSync(join(tmpdir(), "voxguard-cold-start-"));
  let emptyModuleMs: number;
  try {
    const empty = join(scratch, "empty.mjs");
    writeFileSync(empty, "export const handler = () => {};\n");
    const timing = paired(runs, () => probe(empty).ms);
    emptyModuleMs = timing.median;
    bare.push(...timing.bare);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }

  const measureOne = (fn: Pick<BuiltFunction, "name" | "bytes" | "outfile" | "exportName">): ColdStartRow => {
    const sizePass = fn.bytes <= MAX_BUNDLE_BYTES;
    const base = { function: fn.name, bundleBytes: fn.bytes, bundleKB: Number(kb(fn.bytes)), sizePass };
    const first = probe(fn.outfile, fn.exportName);
    if (!first.ok) return { ...base, initMs: Number.NaN, minInitMs: Number.NaN, initPass: false, pass: false, error: first.error };
    const timing = paired(runs, () => probe(fn.outfile, fn.exportName).ms, true);
    bare.push(...timing.bare);
    const initPass = timing.median <= MAX_INIT_MS;
    return { ...base, initMs: round(timing.median), minInitMs: round(timing.min), initPass, pass: sizePass && initPass };
  };
  const rows = built.map(measureOne);
  const scratchFloor = mkdtempSync(join(tmpdir(), "voxguard-stack-floor-"));
  let stackFloor: ColdStartRow;
  try {
    stackFloor = measureOne(await buildStackFloor(scratchFloor));
  } finally {
    rmSync(scratchFloor, { recursive: true, force: true });
  }
  return { runs, stackFloor, bareNodeMs: round(median(bare)), emptyModuleMs: round(emptyModuleMs), rows };
}

/** bench/stack-floor.ts bundled exactly as the functions are. */
async function buildStackFloor(outdir: string): Promise<{ name: string; bytes: number; outfile: string; exportName: string }> {
  const outfile = join(outdir, "index.mjs");
  await esbuild({ ...esbuildOptions(), entryPoints: [join(root, "bench", "stack-floor.ts")], outfile, metafile: false });
  return { name: "(stack floor: kysely+pg+ioredis+zod)", bytes: statSync(outfile).size, outfile, exportName: "handler" };
}

/** For bench/main.ts: one row a function, then the stack floor for reference (no target of its own). */
export async function run(): Promise<(ColdStartRow | BenchResult)[]> {
  const { rows, stackFloor } = await measure();
  return [
    ...rows,
    {
      name: "cold-start:stack-floor",
      figures: `bundle ${stackFloor.bundleKB.toFixed(1)} KB, init over bare node ${stackFloor.initMs.toFixed(1)} ms`,
      note: "bench/stack-floor.ts: kysely+pg+ioredis+zod used once each, none of our code; what every function pays first",
    },
  ];
}

export function formatColdStart({ runs, bareNodeMs, emptyModuleMs, rows, stackFloor }: ColdStart): string {
  const mark = (pass: boolean) => (pass ? "PASS" : "FAIL");
  const header = ["function", "bundle KB", `≤${kb(MAX_BUNDLE_BYTES)} KB`, "init ms", "min ms", `≤${MAX_INIT_MS} ms`];
  const body = [...rows]
    .sort((a, b) => b.bundleBytes - a.bundleBytes)
    .map((row) => [row.function, row.bundleKB.toFixed(1), mark(row.sizePass), Number.isNaN(row.initMs) ? "error" : row.initMs.toFixed(1), Number.isNaN(row.minInitMs) ? "-" : row.minInitMs.toFixed(1), mark(row.initPass)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ");
  const errors = rows.filter((row) => row.error).map((row) => `\n${row.function}: ${row.error}`);
  return [
    `cold-start initialisation: median of ${runs} fresh node processes importing the bundle, minus bare \`node -e ""\` (median ${bareNodeMs} ms)`,
    `an empty .mjs imported the same way costs ${emptyModuleMs} ms of every row`,
    "",
    line(header),
    line(widths.map((w) => "-".repeat(w))),
    ...body.map(line),
    `\n${rows.filter((row) => row.pass).length}/${rows.length} pass`,
    `stack floor (bench/stack-floor.ts: the required libraries, none of our code): ${stackFloor.bundleKB.toFixed(1)} KB, init ${stackFloor.initMs.toFixed(1)} ms`,
    ...errors,
  ].join("\n");
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = await measure();
  console.log(formatColdStart(result));
  if (result.rows.some((row) => !row.pass)) process.exitCode = 1;
}
