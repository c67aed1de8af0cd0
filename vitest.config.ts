import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Worker-thread and browser tests start real workers and a real Chromium.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
