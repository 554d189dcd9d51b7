// `npm run typecheck:infra`: type-checks sst.config.ts and infra/ against SST's own types, offline.
//
// 1. `sst install` writes .sst/platform (SST's component sources, config.d.ts) and installs the
//    pinned @pulumi/aws SDK from the npm registry. The env below stops it from downloading Pulumi and
//    bun from GitHub: with the `bun` npm package installed it is used, otherwise npm.
// 2. `tsc -p tsconfig.infra.json`: everything, SST's sources included, under the options SST is
//    written for (SST's sources are not clean under verbatimModuleSyntax or erasableSyntaxOnly).
// 3. The same files under this repo's own tsconfig.json options, reporting only our files: the
//    conventions (erasable syntax, `import type`, checked indexing) hold in infra/ too.
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

const ROOT = path.resolve(import.meta.dirname, "..");
const bin = (...parts: string[]) => path.join(ROOT, "node_modules", ...parts);

function run(step: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env): void {
  console.log(`== ${step}`);
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: ROOT, env, stdio: "inherit" });
  if (result.status !== 0) {
    console.error(`${step} failed (${result.error?.message ?? `exit ${result.status}`})`);
    process.exit(1);
  }
  console.log(`   ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

function sstInstallEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, SST_SKIP_DEPENDENCY_CHECK: "1", SST_TELEMETRY_DISABLED: "1" };
  // The bun package's binary (>1 MB: not the placeholder it ships before its postinstall ran).
  const bun = bin("bun", "bin", "bun.exe");
  if (existsSync(bun) && statSync(bun).size > 1_000_000) env.SST_BUN_PATH = bun;
  else env.SST_NO_BUN = "1";
  return env;
}

function strictPass(): void {
  console.log("== strict pass (tsconfig.json options, our files only)");
  const read = (file: string) => ts.sys.readFile(file);
  const infra = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, "tsconfig.infra.json"), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"));
    },
  });
  const project = ts.parseJsonConfigFileContent(ts.readConfigFile(path.join(ROOT, "tsconfig.json"), read).config, ts.sys, ROOT);
  if (!infra) throw new Error("tsconfig.infra.json could not be read");
  const program = ts.createProgram(infra.fileNames, { ...project.options, types: ["node"], noEmit: true });
  const ours = ts
    .getPreEmitDiagnostics(program)
    .filter((diagnostic) => !diagnostic.file || !path.relative(ROOT, diagnostic.file.fileName).startsWith(".sst"));
  if (ours.length > 0) {
    const host = { getCanonicalFileName: (file: string) => file, getCurrentDirectory: () => ROOT, getNewLine: () => "\n" };
    console.error(ts.formatDiagnosticsWithColorAndContext(ours, host));
    process.exit(1);
  }
}

run("sst install (offline)", process.execPath, [bin("sst", "bin", "sst.mjs"), "install", "--stage", "ci"], sstInstallEnv());
run("tsc -p tsconfig.infra.json", process.execPath, [bin("typescript", "bin", "tsc"), "-p", "tsconfig.infra.json"]);
strictPass();
console.log("infra type-check passed");
