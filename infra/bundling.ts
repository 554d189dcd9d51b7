import type { LAMBDA_RUNTIME } from "./runtime.ts";

/**
 * How every function is bundled, once: infra/function-defaults.ts gives it to SST as each
 * function's `nodejs` option, and scripts/build.ts turns it into esbuild options the way SST 4.17.1
 * does for the bundles `npm run build` and `npm run bench` measure.
 *
 * Only what SST passes on to esbuild belongs here. Of `nodejs.esbuild` SST reads target,
 * sourcemap, keepNames, define, banner, external, nodePaths, mainFields and conditions, and
 * silently drops everything else (`alias` included); hence the plugin for `debug`.
 */
export interface Bundling {
  format: "esm";
  minify: boolean;
  esbuild: {
    /**
     * Off, where SST turns it on: it wraps every function and class of every dependency in a
     * `__name()` call run at load, ~25 KB and a few ms of init. Nothing reads a minified
     * function's name: every error class sets its `name` itself (scripts/build.test.ts).
     */
    keepNames: boolean;
    /** No source map, linked or not: the bundle carries no `sourceMappingURL` comment. */
    sourcemap: boolean;
  };
  /**
   * esbuild plugins, a file SST loads with plain `node` (hence .mjs), relative to the repository
   * root: `debug` stubbed, pg's native client left out, argon2's binding opened directly on Lambda,
   * builtins required rather than imported, the OpenAPI document built at bundling.
   */
  plugins: string;
}

export const BUNDLING: Bundling = {
  format: "esm",
  minify: true,
  esbuild: { keepNames: false, sourcemap: false },
  plugins: "infra/esbuild-plugins.mjs",
};

/**
 * SST's esbuild target for the runtime. Its `nodejs.esbuild.target` accepts only `esnext` and
 * `es5`…`es2023` and ignores anything else ("node24" included), so the runtime decides.
 */
/**
 * What SST puts before an ESM function's bundle, so that CJS dependencies inside it can still call
 * `require` and read `__dirname`: its lines and `nodejs.banner` (unset here) joined with newlines,
 * one empty line last.
 */
export const SST_ESM_BANNER = [
  `import { createRequire as topLevelCreateRequire } from 'module';`,
  `const require = topLevelCreateRequire(import.meta.url);`,
  `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"`,
  `const __filename = topLevelFileUrlToPath(import.meta.url)`,
  `const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))`,
  "",
].join("\n");

export const SST_TARGET: Record<typeof LAMBDA_RUNTIME, string> = { "nodejs24.x": "es2024" };
