// The esbuild plugins every function is bundled with (infra/bundling.ts), deployed by SST and
// measured by scripts/build.ts alike. Plain JavaScript: SST loads this file with plain `node`.
import { isBuiltin } from "node:module";
import { fileURLToPath } from "node:url";

const noDebug = fileURLToPath(new URL("../scripts/no-debug.ts", import.meta.url));

// SST 4.17.1's plugin bridge (.sst/platform/functions/nodejs-runtime/plugin.mjs) tests each filter
// against a field its messages lack, i.e. against the string "undefined": a narrower filter would
// never reach its callback when SST builds. So every filter takes everything and the callback picks.
const EVERYTHING = /.*/;

/** `debug` resolves to scripts/no-debug.ts, whoever imports it. */
export const noDebugPlugin = {
  name: "no-debug",
  setup(build) {
    build.onResolve({ filter: EVERYTHING }, (args) => (args.path === "debug" ? { path: noDebug } : undefined));
  },
};

const BUILTIN = "node-builtin";

/**
 * An `import` of a Node builtin becomes a `require` of it. Node links an imported builtin as a
 * module whose exports are a copy of every property of the builtin, read at link time: importing
 * `fs` runs its `promises` getter (which loads fs/promises, readline and the REPL's history),
 * importing `process` its `report` getter, and so on, ~20 ms of a cold start for modules nothing
 * calls. A require hands over the object itself; esbuild reads the named imports off it when they
 * are used. The bundle can require: SST's ESM banner defines `require`.
 */
export const requireBuiltinsPlugin = {
  name: "require-builtins",
  setup(build) {
    build.onResolve({ filter: EVERYTHING }, (args) => {
      if (!isBuiltin(args.path)) return undefined;
      if (args.kind === "import-statement") return { path: args.path, namespace: BUILTIN };
      // The require inside the module below: external, said here rather than left to esbuild's
      // own rule for builtins, since that module has no directory to resolve from.
      if (args.namespace === BUILTIN) return { path: args.path, external: true };
      return undefined;
    });
    build.onLoad({ filter: EVERYTHING }, (args) =>
      args.namespace === BUILTIN
        ? { contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: "js" }
        : undefined,
    );
  },
};

export default [noDebugPlugin, requireBuiltinsPlugin];
