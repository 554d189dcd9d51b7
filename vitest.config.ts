import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["{core,functions,local,infra,bench,scripts,test-support}/**/*.test.ts"],
    globalSetup: ["test-support/global-setup.ts"],
    setupFiles: ["test-support/setup-env.ts"],
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 120_000,
    allowOnly: false,
    passWithNoTests: false,
  },
});
