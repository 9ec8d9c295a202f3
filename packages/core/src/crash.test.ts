import { describe, expect, it } from "vitest";
import { initial, nextDeadline, phase, step } from "./index.ts";
import { feed, nodeOptions } from "./testing/fixtures.test-helpers.ts";
import type { Command, HookSpec, Report, ShutdownInput } from "./types.ts";

const crash = (now: number, error = "boom", timeoutMs = 2_000, hooks: readonly HookSpec[] = []): ShutdownInput => ({
  type: "shutdown",
  mode: "graceful",
  reason: "uncaughtException",
  seed: 1,
  hooks,
  timeoutMs,
  error,
  now,
});
const sigterm = (now: number, hooks: readonly HookSpec[] = []): ShutdownInput => ({ type: "shutdown", mode: "graceful", reason: "SIGTERM", seed: 1, hooks, now });
const reportOf = (commands: readonly Command[]): Report | undefined => {
  const stopped = commands.find((command) => command.type === "stopped");
  return stopped?.type === "stopped" ? stopped.report : undefined;
};

describe("a crash (a shutdown input with error)", () => {
  it("while serving: drains at once without notify, within the crash budget; the report carries the error", () => {
    const s0 = initial(nodeOptions({ notifyMs: 5_000, timeoutMs: 25_000 }));
    const [s1] = feed(s0, [
      { type: "open", id: 1, kind: "http1", now: 0 },
      { type: "request", id: 1, now: 0 },
    ]);
    const [s2, commands] = step(s1, crash(10));
    expect(phase(s2)).toBe("drain");
    expect(commands).toContainEqual({ type: "mark-closing", id: 1 });
    expect(commands.some((command) => command.type === "phase" && command.phase === "notify")).toBe(false);
    // The crash budget, not the configured 25 s.
    expect(nextDeadline(s2)).toBeLessThanOrEqual(10 + 2_000);
    const [s3, after] = feed(s2, [
      { type: "response-end", id: 1, closing: true, now: 50 },
      { type: "closed", id: 1, now: 51 },
    ]);
    expect(phase(s3)).toBe("stopped");
    expect(reportOf(after)).toMatchObject({ error: "boom", clean: true, reason: "uncaughtException", escalated: false });
  });

  it("while serving, with work that never ends: forced at the crash budget, not the configured one", () => {
    const s0 = initial(nodeOptions({ timeoutMs: 25_000 }));
    const [s1] = feed(s0, [
      { type: "open", id: 1, kind: "http1", now: 0 },
      { type: "request", id: 1, now: 0 },
      crash(0, "boom", 1_000),
    ]);
    const [s2, commands] = step(s1, { type: "tick", now: 1_000 });
    expect(phase(s2)).toBe("stopped");
    expect(commands).toContainEqual({ type: "destroy", id: 1, why: "deadline" });
    expect(reportOf(commands)).toMatchObject({ error: "boom", clean: false });
  });

  it("a second error during the crash drain forces at once", () => {
    const s0 = initial(nodeOptions());
    const [s1, commands] = feed(s0, [
      { type: "open", id: 1, kind: "http1", now: 0 },
      { type: "request", id: 1, now: 0 },
      crash(0, "first"),
      crash(5, "second"),
    ]);
    expect(phase(s1)).toBe("stopped");
    expect(commands).toContainEqual({ type: "destroy", id: 1, why: "immediate" });
    expect(reportOf(commands)).toMatchObject({ error: "first", escalated: true, mode: "immediate" });
  });

  it("during a graceful shutdown: notify ends, the budget shrinks to the crash budget, the report carries the error", () => {
    const s0 = initial(nodeOptions({ notifyMs: 5_000, timeoutMs: 25_000 }));
    const [s1] = feed(s0, [
      { type: "open", id: 1, kind: "http1", now: 0 },
      { type: "request", id: 1, now: 0 },
      sigterm(0),
    ]);
    expect(phase(s1)).toBe("notify");
    const [s2, commands] = step(s1, crash(100, "boom", 1_000));
    expect(phase(s2)).toBe("drain");
    expect(commands.some((command) => command.type === "destroy")).toBe(false);
    expect(nextDeadline(s2)).toBeLessThanOrEqual(1_100);
    const [s3, after] = step(s2, { type: "tick", now: 1_100 });
    expect(phase(s3)).toBe("stopped");
    expect(reportOf(after)).toMatchObject({ error: "boom", reason: "SIGTERM", escalated: false, clean: false });
    // The report says the crash, not the fixed delay, ended notify.
    expect(reportOf(after)?.notify).toMatchObject({ kind: "fixed", endedBy: "crash", durationMs: 100 });
  });

  it("during a graceful shutdown whose budget ends sooner than the crash budget: the budget is kept", () => {
    const s0 = initial(nodeOptions({ timeoutMs: 1_000 }));
    const [s1] = feed(s0, [
      { type: "open", id: 1, kind: "http1", now: 0 },
      { type: "request", id: 1, now: 0 },
      sigterm(0),
      crash(100, "boom", 5_000),
    ]);
    expect(phase(s1)).toBe("drain");
    expect(nextDeadline(s1)).toBeLessThanOrEqual(1_000);
  });

  it("during cleanup: the running hook's deadline comes no later than the crash budget from now", () => {
    const hooks = [{ name: "slow", order: 0, timeoutMs: 10_000 }];
    const s0 = initial(nodeOptions({ timeoutMs: 25_000, cleanupMs: 10_000 }));
    const [s1, started] = feed(s0, [sigterm(0, hooks)]);
    expect(phase(s1)).toBe("cleanup");
    expect(started).toContainEqual({ type: "run-hook", name: "slow", timeoutMs: 10_000 });
    const [s2] = step(s1, crash(100, "boom", 500, hooks));
    expect(nextDeadline(s2)).toBe(600);
    const [s3, after] = step(s2, { type: "tick", now: 600 });
    expect(phase(s3)).toBe("stopped");
    expect(reportOf(after)).toMatchObject({ error: "boom", hooks: [{ name: "slow", result: "timeout" }] });
  });

  it("a plain shutdown request after a crash still forces, as a second request does", () => {
    const s0 = initial(nodeOptions());
    const [s1, commands] = feed(s0, [
      { type: "open", id: 1, kind: "http1", now: 0 },
      { type: "request", id: 1, now: 0 },
      crash(0),
      sigterm(5),
    ]);
    expect(phase(s1)).toBe("stopped");
    expect(reportOf(commands)).toMatchObject({ error: "boom", escalated: true });
  });

  it("after stopped: nothing", () => {
    const s0 = initial(nodeOptions());
    const [s1] = feed(s0, [sigterm(0)]);
    expect(phase(s1)).toBe("stopped");
    const [, commands] = step(s1, crash(5));
    expect(commands).toEqual([]);
  });
});
