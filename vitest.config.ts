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
          // Cases within a runtime file run one after another; files run in parallel on the 2 cores.
          sequence: { concurrent: false },
        },
      },
    ],
  },
});
