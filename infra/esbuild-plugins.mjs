// The esbuild plugins every function is bundled with (infra/bundling.ts), deployed by SST and
// measured by scripts/build.ts alike. Plain JavaScript: SST loads this file with plain `node`.
import { createRequire, isBuiltin } from "node:module";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants } from "node:zlib";

const noDebug = fileURLToPath(new URL("../scripts/no-debug.ts", import.meta.url));
const noPgNative = fileURLToPath(new URL("../scripts/no-pg-native.cjs", import.meta.url));
const argon2Binding = fileURLToPath(new URL("../scripts/argon2-binding.cjs", import.meta.url));
const openApiGenerator = fileURLToPath(new URL("../functions/edge/openapi.ts", import.meta.url));

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

// pg's index, as the importer of `./native` (the only place pg asks for it), on either separator.
const PG_INDEX = /[\\/]node_modules[\\/]pg[\\/]lib[\\/]index\.js$/;

/**
 * pg's `./native` resolves to scripts/no-pg-native.cjs: the native client needs the pg-native addon,
 * which no function has, so it could only fail to load, and the stand-in fails the same way. That
 * holds while nothing puts pg-native on a function's module path: a Lambda layer with it
 * (/opt/nodejs/node_modules) would be loaded by pg's own `./native`, not by the stand-in.
 */
export const noPgNativePlugin = {
  name: "no-pg-native",
  setup(build) {
    build.onResolve({ filter: EVERYTHING }, (args) =>
      args.path === "./native" && PG_INDEX.test(args.importer ?? "") ? { path: noPgNative } : undefined,
    );
  },
};

const ARGON2 = "@node-rs/argon2";

/**
 * `@node-rs/argon2` resolves to scripts/argon2-binding.cjs, which opens the binding SST installed
 * under LAMBDA_TASK_ROOT directly and otherwise requires the package, external as SST's `install`
 * makes it.
 */
export const argon2BindingPlugin = {
  name: "argon2-binding",
  setup(build) {
    build.onResolve({ filter: EVERYTHING }, (args) =>
      args.path === ARGON2 && args.importer !== argon2Binding ? { path: argon2Binding } : undefined,
    );
  },
};

const BUILTIN = "node-builtin";

/**
 * An `import` of a Node builtin becomes a `require` of it. Node links an imported builtin as a
 * module whose exports are a copy of every property of the builtin, read at link time: importing
 * `fs` runs its `promises` getter (which loads fs/promises, readline and the REPL's history),
 * importing `process` its `report` getter, and so on, ~20 ms of a cold start for modules nothing
 * calls. The bundle can require: SST's ESM banner defines `require`.
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
      args.namespace === BUILTIN ? { contents: builtinModule(args.path), loader: "js" } : undefined,
    );
  },
};

const require = createRequire(import.meta.url);

/**
 * The module an imported builtin resolves to: the builtin itself as its default export, and each of
 * its enumerable own properties (what Node's ESM exports) as a named export read off it once, at
 * load, marked pure so that esbuild keeps only the names a bundle imports. Not
 * `module.exports = require(…)`: esbuild wraps an imported CommonJS module in a copy of it
 * (`__toESM`, a getter defined per property), and copying crypto, fs and process cost GET /me ~12
 * million instructions at init. The names are the building Node's (the project's own, first on the
 * path of `npm run` and `npx sst`): a name it lacks fails the build instead of reading undefined,
 * and another Node's list renames minified identifiers. A namespace used as a value
 * (`secure ? https : http`) reads every name at init, as Node's own linking does: import builtins
 * by name (scripts/build.test.ts checks the source, and that no bundle loads undici).
 */
function builtinModule(name) {
  const names = Object.keys(require(name)).filter((key) => key !== "default");
  return [
    `const builtin = require(${JSON.stringify(name)});`,
    "const pick = (key) => builtin[key];",
    "export default builtin;",
    ...names.map((key, i) => `const b${i} = /* @__PURE__ */ pick(${JSON.stringify(key)});`),
    `export { ${names.map((key, i) => `b${i} as ${JSON.stringify(key)}`).join(", ")} };`,
  ].join("\n");
}

/**
 * The OpenAPI function serves a document built here, when it is bundled, by the very generator the
 * tests and `npm run dev` run (functions/edge/openapi.ts, whose module this replaces): carrying the
 * generator meant carrying every route's schemas, ~50 KB more than any other route and the slowest
 * read route to start. The document is static (the route table and its zod schemas, nothing read
 * at run time), 82 KB of JSON, here brotli-compressed to ~6 KB of base64 and unpacked on the first
 * request with `process.getBuiltinModule`, so that zlib is not loaded at init either.
 */
export const openApiDocumentPlugin = {
  name: "openapi-document",
  setup(build) {
    build.onLoad({ filter: EVERYTHING }, async (args) => {
      if (args.path !== openApiGenerator || args.namespace !== "file") return undefined;
      const json = JSON.stringify(await generateOpenApiDocument());
      const packed = brotliCompressSync(json, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).toString("base64");
      return {
        contents: [
          `const packed = ${JSON.stringify(packed)};`,
          "let document;",
          "export async function openApiDocument() {",
          '  document ??= JSON.parse(process.getBuiltinModule("node:zlib").brotliDecompressSync(Buffer.from(packed, "base64")).toString("utf8"));',
          "  return document;",
          "}",
        ].join("\n"),
        loader: "js",
      };
    });
  },
};

/** The generator bundled on its own with esbuild's package (SST's binary has no API for it) and run. */
async function generateOpenApiDocument() {
  const { build } = await import("esbuild");
  const { outputFiles } = await build({
    entryPoints: [openApiGenerator],
    bundle: true,
    platform: "node",
    format: "cjs",
    write: false,
    logLevel: "silent",
  });
  const module = { exports: {} };
  new Function("module", "exports", "require", outputFiles[0].text)(
    module,
    module.exports,
    createRequire(openApiGenerator),
  );
  return module.exports.openApiDocument();
}

export default [noDebugPlugin, noPgNativePlugin, argon2BindingPlugin, requireBuiltinsPlugin, openApiDocumentPlugin];
