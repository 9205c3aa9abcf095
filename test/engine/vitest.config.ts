import { defineConfig } from "vitest/config";

// The engine suite: `npm run test:engine` builds the toolchain (test/engine/build.sh, cached) and runs these files
// one at a time (each runs the real Pulumi engine, CPU-heavy on 2 cores).
export default defineConfig({
  test: {
    include: ["test/engine/**/*.engine.test.ts"],
    testTimeout: 900_000,
    hookTimeout: 900_000,
    pool: "forks",
    fileParallelism: false,
    maxWorkers: 1,
  },
});
