import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "policy/**/*.test.ts"],
    // Each file gets its own process: Pulumi's mock runtime keeps global state per process.
    pool: "forks",
    isolate: true,
    // Tests that render in child processes run two or three renders of ~10 s each on a busy machine.
    testTimeout: 120000,
    hookTimeout: 60000,
  },
});
