import { describe, expect, it } from "vitest";
import { initial, phase, step } from "./index.ts";
import type { HookSpec } from "./types.ts";
import { SIGTERM, feed, nodeOptions, ofType, phases, reportOf } from "./testing/fixtures.test-helpers.ts";
import { runUntilStopped } from "./testing/driver.test-helpers.ts";

describe("cleanup hooks", () => {
  const hooks: readonly HookSpec[] = [
    { name: "close-db", order: 2, timeoutMs: 1_000 },
    { name: "flush-logs", order: 1, timeoutMs: 500 },
    { name: "close-cache", order: 2, timeoutMs: 700 },
  ];

  it("runs hooks one at a time, lowest order first, equal orders in registration order", () => {
    const s0 = initial(nodeOptions());
    let [s, cmds] = step(s0, { ...SIGTERM, hooks, now: 0 });
    expect(phases(cmds)).toEqual(["drain", "cleanup"]);
    expect(ofType(cmds, "run-hook")).toEqual([{ type: "run-hook", name: "flush-logs", timeoutMs: 500 }]);
    expect(phase(s)).toBe("cleanup");

    [s, cmds] = step(s, { type: "hook-done", name: "flush-logs", now: 10 });
    expect(ofType(cmds, "run-hook")).toEqual([{ type: "run-hook", name: "close-db", timeoutMs: 1_000 }]);

    [s, cmds] = step(s, { type: "hook-done", name: "close-db", now: 30 });
    expect(ofType(cmds, "run-hook")).toEqual([{ type: "run-hook", name: "close-cache", timeoutMs: 700 }]);
    expect(ofType(cmds, "stopped")).toEqual([]);

    [s, cmds] = step(s, { type: "hook-done", name: "close-cache", now: 60 });
    expect(phases(cmds)).toEqual(["stopped"]);
    expect(reportOf(cmds).hooks).toEqual([
      { name: "flush-logs", result: "ok", durationMs: 10 },
      { name: "close-db", result: "ok", durationMs: 20 },
      { name: "close-cache", result: "ok", durationMs: 30 },
    ]);
    expect(reportOf(cmds).clean).toBe(true);
  });

  it("runs hooks only once the drain is over", () => {
    const s0 = initial(nodeOptions());
    let [s, cmds] = feed(s0, [
      { type: "stream-open", id: 1, kind: "ws", now: 0 },
      { ...SIGTERM, hooks, now: 0 },
    ]);
    expect(ofType(cmds, "run-hook")).toEqual([]);
    [s, cmds] = step(s, { type: "closed", id: 1, now: 40 });
    expect(cmds).toContainEqual({ type: "phase", phase: "cleanup", at: 40 });
    expect(ofType(cmds, "run-hook").map((c) => c.name)).toEqual(["flush-logs"]);
  });

  it("records a failing hook and goes on with the next", () => {
    const s0 = initial(nodeOptions());
    const [s1, cmds] = step(s0, { ...SIGTERM, hooks, now: 0 });
    const run = runUntilStopped(s1, 0, cmds, {
      hooks: (name) => (name === "close-db" ? { result: "error", error: "pool already closed" } : { result: "ok" }),
    });
    expect(ofType(run.commands, "run-hook").map((c) => c.name)).toEqual(["close-db", "close-cache"]);
    expect(run.report.hooks).toEqual([
      { name: "flush-logs", result: "ok", durationMs: 0 },
      { name: "close-db", result: "error", durationMs: 0, error: "pool already closed" },
      { name: "close-cache", result: "ok", durationMs: 0 },
    ]);
    expect(run.report.clean).toBe(false);
  });

  it("times out a hook that never settles and ignores its late answer", () => {
    const s0 = initial(nodeOptions());
    let [s, cmds] = step(s0, { ...SIGTERM, hooks, now: 0 });
    [s, cmds] = step(s, { type: "tick", now: 499 });
    expect(ofType(cmds, "run-hook")).toEqual([]);
    [s, cmds] = step(s, { type: "tick", now: 500 });
    expect(ofType(cmds, "run-hook")).toEqual([{ type: "run-hook", name: "close-db", timeoutMs: 1_000 }]);
    // flush-logs settles after all: too late, close-db is still the one running.
    [s, cmds] = step(s, { type: "hook-done", name: "flush-logs", now: 600 });
    expect(cmds).toEqual([]);
    [s, cmds] = feed(s, [
      { type: "hook-done", name: "close-db", now: 700 },
      { type: "hook-done", name: "close-cache", now: 800 },
    ]);
    expect(reportOf(cmds).hooks).toEqual([
      { name: "flush-logs", result: "timeout", durationMs: 500 },
      { name: "close-db", result: "ok", durationMs: 200 },
      { name: "close-cache", result: "ok", durationMs: 100 },
    ]);
    expect(reportOf(cmds).clean).toBe(false);
    expect(phase(s)).toBe("stopped");
  });

  it("skips the hooks the budget has no time left for", () => {
    // Force at 10 000 − 1 000 (cleanupMs caps the reserve); the first hook uses up what is left.
    const s0 = initial(nodeOptions({ timeoutMs: 10_000, cleanupMs: 1_000 }));
    const slow: readonly HookSpec[] = [
      { name: "a", order: 1, timeoutMs: 2_000 },
      { name: "b", order: 2, timeoutMs: 2_000 },
    ];
    const [s1, cmds] = feed(s0, [
      { type: "open", id: 1, kind: "http1", now: 0 },
      { type: "request", id: 1, now: 0 },
      { ...SIGTERM, hooks: slow, now: 0 },
    ]);
    const run = runUntilStopped(s1, 0, cmds, { hooks: () => ({ result: "hang" }) });
    expect(ofType(run.commands, "run-hook").map((c) => c.name)).toEqual(["a"]);
    expect(run.report.hooks.map((h) => [h.name, h.result])).toEqual([
      ["a", "timeout"],
      ["b", "skipped"],
    ]);
    // The whole budget is the promise: stopped no later than timeoutMs after the request.
    expect(run.report.stoppedAt).toBeLessThanOrEqual(10_000);
  });
});
