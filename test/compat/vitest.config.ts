import { defineConfig } from "vitest/config";

// The compat suite: run through test/compat/run.sh, which builds the Go tools and sets their env vars.
export default defineConfig({
  test: {
    include: ["test/compat/**/*.compat.test.ts"],
    exclude: ["node_modules/**", "test/compat/oracle/**"],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: "forks",
    // The Go tools are CPU-heavy and the machine has 2 cores: one test file at a time.
    fileParallelism: false,
    maxWorkers: 1,
  },
});
