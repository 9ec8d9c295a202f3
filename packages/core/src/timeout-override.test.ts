import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { initial, nextDeadline, phase, step } from "./index.ts";
import type { HookSpec, Input } from "./types.ts";
import { NODE, REQUEST_LEVEL, feed, nodeOptions, ofType, phases } from "./testing/fixtures.test-helpers.ts";
import { runUntilStopped } from "./testing/driver.test-helpers.ts";

/** A request that never ends on its own: only the force ends it. */
const HANGING: readonly Input[] = [
  { type: "open", id: 1, kind: "http1", now: 0 },
  { type: "request", id: 1, now: 0 },
];

describe("a shutdown's own timeoutMs", () => {
  it("replaces the configured budget for this shutdown: the force comes timeoutMs after the request", () => {
    const s0 = initial(nodeOptions({ timeoutMs: 25_000 }));
    let [s, cmds] = feed(s0, [...HANGING, { type: "shutdown", mode: "graceful", reason: "control", seed: 1, hooks: [], timeoutMs: 3_000, now: 100 }]);
    expect(nextDeadline(s)).toBeLessThanOrEqual(3_100);
    [s, cmds] = step(s, { type: "tick", now: 3_099 });
    expect(ofType(cmds, "destroy")).toEqual([]);
    [s, cmds] = step(s, { type: "tick", now: 3_100 });
    expect(cmds).toContainEqual({ type: "destroy", id: 1, why: "deadline" });
    expect(phase(s)).toBe("stopped");
  });

  it("may be longer than the configured budget", () => {
    const s0 = initial(nodeOptions({ timeoutMs: 1_000 }));
    let [s, cmds] = feed(s0, [...HANGING, { type: "shutdown", mode: "graceful", reason: "control", seed: 1, hooks: [], timeoutMs: 60_000, now: 0 }]);
    [s, cmds] = step(s, { type: "tick", now: 59_999 });
    expect(phase(s)).toBe("drain");
    [s, cmds] = step(s, { type: "tick", now: 60_000 });
    expect(phases(cmds)).toEqual(["force", "cleanup", "stopped"]);
  });

  it("cuts notify short when the budget is shorter than notifyMs", () => {
    const s0 = initial({ capabilities: REQUEST_LEVEL, notifyMs: 5_000, timeoutMs: 25_000 });
    let [s, cmds] = feed(s0, [{ type: "shutdown", mode: "graceful", reason: "control", seed: 1, hooks: [], timeoutMs: 500, now: 0 }]);
    expect(phases(cmds)).toEqual(["notify"]);
    [s, cmds] = step(s, { type: "tick", now: 500 });
    expect(phases(cmds)).toContain("stopped");
  });

  it("is ignored by a second request, which escalates to immediate as always", () => {
    const s0 = initial(nodeOptions({ timeoutMs: 25_000 }));
    const [, cmds] = feed(s0, [
      ...HANGING,
      { type: "shutdown", mode: "graceful", reason: "first", seed: 1, hooks: [], now: 0 },
      { type: "shutdown", mode: "graceful", reason: "second", seed: 1, hooks: [], timeoutMs: 90_000, now: 10 },
    ]);
    expect(cmds).toContainEqual({ type: "destroy", id: 1, why: "immediate" });
  });

  it("property: for any budget and hooks, hooks never run past it and the machine stops by its end", () => {
    const hooks = fc
      .array(fc.record({ order: fc.integer({ min: 0, max: 3 }), timeoutMs: fc.integer({ min: 0, max: 5_000 }) }), { maxLength: 3 })
      .map((specs): HookSpec[] => specs.map((spec, i) => ({ name: `hook-${i}`, ...spec })));
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3_600_000 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 0, max: 10_000 }),
        hooks,
        fc.boolean(),
        (budget, configured, notifyMs, hookSpecs, requestLevel) => {
          const s0 = initial({ capabilities: requestLevel ? REQUEST_LEVEL : NODE, timeoutMs: configured + notifyMs, notifyMs });
          const [s, cmds] = feed(s0, [...HANGING, { type: "shutdown", mode: "graceful", reason: "control", seed: 7, hooks: hookSpecs, timeoutMs: budget, now: 0 }]);
          // Hooks that hang: each runs until its timeout, so the budget is what bounds them.
          const run = runUntilStopped(s, 0, cmds, { hooks: () => ({ result: "hang" }) });
          for (const command of run.commands) {
            if (command.type === "run-hook" && command.timeoutMs > budget) throw new Error(`hook ${command.name} got ${command.timeoutMs} ms of a ${budget} ms budget`);
          }
          const report = run.report;
          if (report === undefined) throw new Error("never stopped");
          if (report.stoppedAt - report.requestedAt > budget) throw new Error(`stopped after ${report.stoppedAt - report.requestedAt} ms, budget ${budget}`);
        },
      ),
      { numRuns: 500 },
    );
  });
});
