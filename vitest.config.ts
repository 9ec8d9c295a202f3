import { defineConfig } from "vitest/config";
import SummaryReporter from "./tooling/vitest/summary-reporter.ts";

export default defineConfig({
  test: {
    reporters: ["default", new SummaryReporter()],
    projects: [
      {
        test: {
          name: "unit",
          include: ["packages/*/src/**/*.test.ts", "tooling/*/src/**/*.test.ts", "apps/*/src/**/*.test.ts"],
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
      {
        test: {
          name: "e2e",
          // Whole systems: a real browser against the demo, a rolling restart behind HAProxy. Each installs its
          // Debian packages when missing (tooling/vitest/debian.ts).
          include: ["apps/*/test/**/*.test.ts", "tooling/bench/test/**/*.test.ts", "examples/test/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 600_000,
          retry: 0,
          sequence: { concurrent: false },
          fileParallelism: false,
        },
      },
      {
        test: {
          name: "packaging",
          // What users install: every public package packed once (globalSetup), linted as the registries would,
          // and installed into fresh projects outside the workspace on Node 20, Node 26, Bun and Deno.
          include: ["tooling/packaging/test/**/*.test.ts"],
          globalSetup: ["tooling/packaging/src/global-setup.ts"],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          retry: 0,
          sequence: { concurrent: false },
          fileParallelism: false,
        },
      },
    ],
  },
});
