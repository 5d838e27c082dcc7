import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "policy/**/*.test.ts"],
    // Each file gets its own process: Pulumi's mock runtime keeps global state per process.
    pool: "forks",
    isolate: true,
    testTimeout: 30000,
    hookTimeout: 60000,
  },
});
