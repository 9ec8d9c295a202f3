import { defineConfig } from "vitest/config";
import SummaryReporter from "./tooling/vitest/summary-reporter.ts";

export default defineConfig({
  test: {
    reporters: ["default", new SummaryReporter()],
    projects: [
      {
        test: {
          name: "unit",
          include: ["packages/*/src/**/*.test.ts", "tooling/*/src/**/*.test.ts"],
        },
      },
      {
        test: {
          name: "conformance",
          include: ["tooling/conformance/test/**/*.test.ts"],
          // Each case spawns a real server and sends real signals; budgets are per case, never retried.
          testTimeout: 30_000,
          hookTimeout: 30_000,
          retry: 0,
          // One fixture at a time: cases assert generous time bounds, and two busy servers on 2 cores would make
          // those bounds about the machine rather than about drain.
          sequence: { concurrent: false },
          fileParallelism: false,
        },
      },
    ],
  },
});
