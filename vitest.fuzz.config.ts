import { defineConfig } from "vitest/config";
import base from "./vitest.config.ts";

// `npm run test:fuzz`: the hostile-input properties alone, with many more cases each than `npm test` runs.
export default defineConfig({
  test: {
    ...base.test,
    include: ["functions/hostile-input.test.ts"],
    env: { HOSTILE_RUNS: "100" },
    testTimeout: 600_000,
  },
});
