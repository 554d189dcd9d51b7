// `npm run typecheck:infra`: type-checks sst.config.ts and infra/ against SST's own types, offline.
//
// 1. `sst install` writes .sst/platform (SST's component sources, config.d.ts) and installs the
//    pinned @pulumi/aws SDK from the npm registry. The env below stops it from downloading Pulumi and
//    bun from GitHub: with the `bun` npm package installed it is used, otherwise npm.
// 2. `tsc -p tsconfig.infra.json`: everything, SST's sources included, under the options SST is
//    written for (SST's sources are not clean under verbatimModuleSyntax or erasableSyntaxOnly).
// 3. The same files under this repo's own tsconfig.json options, reporting only our files: the
//    conventions (erasable syntax, `import type`, checked indexing) hold in infra/ too.
// 4. Self-test: the same program with deliberately wrong options written into infra's files in
//    memory, at the top level and inside `.apply()` callbacks (whose object literals TypeScript
//    checks only against a declared return type). Each must fail, or the check has gone blind.
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

function strictPass(): ts.Program {
  console.log("== strict pass (tsconfig.json options, our files only)");
  const read = (file: string) => ts.sys.readFile(file);
  const infra = ts.getParsedCommandLineOfConfigFile(
    path.join(ROOT, "tsconfig.infra.json"),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"));
      },
    },
  );
  const project = ts.parseJsonConfigFileContent(
    ts.readConfigFile(path.join(ROOT, "tsconfig.json"), read).config,
    ts.sys,
    ROOT,
  );
  if (!infra) throw new Error("tsconfig.infra.json could not be read");
  const program = ts.createProgram(infra.fileNames, { ...project.options, types: ["node"], noEmit: true });
  const ours = ts
    .getPreEmitDiagnostics(program)
    .filter((diagnostic) => !diagnostic.file || !path.relative(ROOT, diagnostic.file.fileName).startsWith(".sst"));
  if (ours.length > 0) {
    const host = {
      getCanonicalFileName: (file: string) => file,
      getCurrentDirectory: () => ROOT,
      getNewLine: () => "\n",
    };
    console.error(ts.formatDiagnosticsWithColorAndContext(ours, host));
    process.exit(1);
  }
  return program;
}

interface Mutation {
  file: string;
  find: string;
  replace: string;
  /** Text the resulting diagnostic must contain. */
  expect: string;
}

const MUTATIONS: Mutation[] = [
  { file: "infra/queue.ts", find: "visibilityTimeout:", replace: "visibilityTimeot:", expect: "visibilityTimeot" },
  {
    file: "infra/function-defaults.ts",
    find: "minify: BUNDLING.minify,",
    replace: "minify: BUNDLING.minify,\n    minfy: true,",
    expect: "minfy",
  },
  {
    file: "infra/function-defaults.ts",
    find: "({ ...base, ...mine })",
    replace: "({ ...base, ...mine, PORT: 3000 })",
    expect: "number",
  },
  {
    file: "infra/permissions.ts",
    find: "[...mine, ...permissions]",
    replace: '[...mine, ...permissions, { action: ["sqs:*"], resources: [] }]',
    expect: "action",
  },
];

function selfTest(base: ts.Program): void {
  console.log("== self-test: wrong options must fail, inside .apply() callbacks too");
  for (const mutation of MUTATIONS) {
    const target = path.join(ROOT, mutation.file);
    const original = ts.sys.readFile(target) ?? "";
    if (!original.includes(mutation.find)) {
      console.error(
        `self-test: ${mutation.file} no longer contains ${JSON.stringify(mutation.find)}; update MUTATIONS in scripts/typecheck-infra.ts`,
      );
      process.exit(1);
    }
    const host = ts.createCompilerHost(base.getCompilerOptions());
    const readFile = host.readFile.bind(host);
    host.readFile = (file) =>
      path.resolve(file) === target ? original.replace(mutation.find, mutation.replace) : readFile(file);
    // The old program's unchanged files are reused; only the mutated file is checked.
    const program = ts.createProgram(base.getRootFileNames(), base.getCompilerOptions(), host, base);
    const source = program.getSourceFile(target);
    const messages = source
      ? program.getSemanticDiagnostics(source).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"))
      : [];
    if (!messages.some((message) => message.includes(mutation.expect))) {
      console.error(
        `self-test: ${mutation.file} with ${JSON.stringify(mutation.replace)} type-checks; the check misses wrong options there`,
      );
      process.exit(1);
    }
    console.log(
      `   ${mutation.file}: ${JSON.stringify(mutation.replace.split("\n").at(-1)!.trim())} fails as it should`,
    );
  }
}

// `--self-test` runs only step 4 (after steps 1 and 2 ran once): seconds instead of minutes.
if (!process.argv.includes("--self-test")) {
  run(
    "sst install (offline)",
    process.execPath,
    [bin("sst", "bin", "sst.mjs"), "install", "--stage", "ci"],
    sstInstallEnv(),
  );
  run("tsc -p tsconfig.infra.json", process.execPath, [bin("typescript", "bin", "tsc"), "-p", "tsconfig.infra.json"]);
}
selfTest(strictPass());
console.log("infra type-check passed");
