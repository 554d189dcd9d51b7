// The esbuild plugins every function is bundled with (infra/bundling.ts), deployed by SST and
// measured by scripts/build.ts alike. Plain JavaScript: SST loads this file with plain `node`.
import { fileURLToPath } from "node:url";

const noDebug = fileURLToPath(new URL("../scripts/no-debug.ts", import.meta.url));

/**
 * `debug` resolves to scripts/no-debug.ts, whoever imports it. The filter takes everything and the
 * callback picks: SST 4.17.1's plugin bridge (.sst/platform/functions/nodejs-runtime/plugin.mjs)
 * tests each filter against a field its messages lack, i.e. against the string "undefined": a
 * narrower filter would never reach its callback when SST builds.
 */
export const noDebugPlugin = {
  name: "no-debug",
  setup(build) {
    build.onResolve({ filter: /.*/ }, (args) => (args.path === "debug" ? { path: noDebug } : undefined));
  },
};

export default [noDebugPlugin];
