import { describe, expect, it } from "vitest";
import { createEngine } from "./engine.ts";
import { fakeEngine, FakeClock, FakeRuntime, settle } from "./testing/fake-runtime.ts";
import type { DrainOptions, HookContext } from "./types.ts";

const setup = (options: DrainOptions = {}) => fakeEngine(options);

/** The exit comes a zero-delay timer after the report (so code awaiting the report runs first): wait for two. */
async function exited(): Promise<void> {
  await settle();
  await settle();
}

const codeOf = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    return (error as { code?: unknown }).code;
  }
  return undefined;
};

describe("crash: an uncaught error drains within its own budget (opt in)", () => {
  it("is off by default: no listener, so the runtime's own behaviour is untouched", () => {
    const { runtime } = setup();
    expect(runtime.crashListeners.size).toBe(0);
  });

  it("drains the work in flight, gives the hooks the error, reports it and exits with exit.crashed (70)", async () => {
    const { runtime, engine, clock, logger } = setup({ crash: { timeoutMs: 2_000 }, timeoutMs: 25_000, notifyMs: 5_000 });
    const seen: HookContext[] = [];
    engine.onShutdown("flush", (context) => void seen.push(context));
    const id = engine.track.open("http1");
    engine.track.request(id);
    const boom = new Error("boom");
    runtime.crash(boom);
    // No notify: the process is suspect, so the drain starts at once, and readiness fails.
    expect(engine.phase).toBe("drain");
    expect(engine.readiness().status).toBe(503);
    expect(engine.msToDeadline()).toBeLessThanOrEqual(2_000);
    expect(runtime.executed).toContainEqual({ type: "mark-closing", id });
    clock.advance(100);
    engine.track.responseEnd(id, true);
    engine.track.closed(id);
    const report = await engine.stopped;
    expect(report).toMatchObject({ error: "Error: boom", reason: "uncaughtException", clean: true });
    expect(seen[0]?.error).toBe(boom);
    await exited();
    expect(runtime.exits).toEqual([70]);
    expect(logger.lines.some((line) => line.includes("drain: uncaughtException: Error: boom"))).toBe(true);
    // From the report on, the runtime's own handling is back.
    expect(runtime.crashListeners.size).toBe(0);
  });

  it("forces what remains at the crash budget, and still exits with exit.crashed", async () => {
    const { runtime, engine, clock } = setup({ crash: { timeoutMs: 1_000 }, exit: { crashed: 9 } });
    const id = engine.track.open("http1");
    engine.track.request(id);
    runtime.crash(new Error("boom"), "unhandledRejection");
    clock.advance(1_000);
    const report = await engine.stopped;
    expect(report).toMatchObject({ clean: false, reason: "unhandledRejection", error: "Error: boom" });
    expect(runtime.executed).toContainEqual({ type: "destroy", id, why: "deadline" });
    await exited();
    expect(runtime.exits).toEqual([9]);
  });

  it("a second error during the crash drain forces at once", async () => {
    const { runtime, engine, clock } = setup({ crash: { timeoutMs: 10_000 } });
    const id = engine.track.open("http1");
    engine.track.request(id);
    runtime.crash(new Error("first"));
    clock.advance(10);
    runtime.crash(new Error("second"));
    const report = await engine.stopped;
    expect(report).toMatchObject({ escalated: true, error: "Error: first", mode: "immediate" });
    expect(runtime.executed).toContainEqual({ type: "destroy", id, why: "immediate" });
    await exited();
    expect(runtime.exits).toEqual([70]);
  });

  it("during a graceful shutdown: the budget shrinks to the crash budget, the report carries the error, the exit code is the crash code", async () => {
    const { runtime, engine, clock } = setup({ crash: { timeoutMs: 500 }, notifyMs: 3_000, timeoutMs: 25_000 });
    const id = engine.track.open("http1");
    engine.track.request(id);
    runtime.kill("SIGTERM");
    expect(engine.phase).toBe("notify");
    runtime.crash("not an Error");
    expect(engine.phase).toBe("drain");
    clock.advance(500);
    const report = await engine.stopped;
    expect(report).toMatchObject({ reason: "SIGTERM", error: "not an Error", clean: false, escalated: false });
    await exited();
    expect(runtime.exits).toEqual([70]);
  });

  it("a hook that throws on the error does not stop the exit", async () => {
    const { runtime, engine } = setup({ crash: true });
    engine.onShutdown("throws", ({ error }) => {
      throw new Error(`could not report ${String(error)}`);
    });
    runtime.crash(new Error("boom"));
    const report = await engine.stopped;
    expect(report.hooks[0]).toMatchObject({ name: "throws", result: "error" });
    await exited();
    expect(runtime.exits).toEqual([70]);
  });

  it("dispose() takes the crash listeners off", () => {
    const { runtime, engine } = setup({ crash: true });
    expect(runtime.crashListeners.size).toBe(1);
    engine.dispose();
    expect(runtime.crashListeners.size).toBe(0);
  });

  it("validates the option at start-up with stable codes", () => {
    expect(codeOf(() => setup({ crash: "yes" as unknown as boolean }))).toBe("ERR_DRAIN_INVALID_OPTION");
    expect(codeOf(() => setup({ crash: { timeout: 1 } as unknown as { timeoutMs: number } }))).toBe("ERR_DRAIN_UNKNOWN_OPTION");
    expect(codeOf(() => setup({ crash: { timeoutMs: -1 } }))).toBe("ERR_DRAIN_INVALID_DURATION");
    expect(codeOf(() => setup({ exit: { crashed: 256 } }))).toBe("ERR_DRAIN_INVALID_OPTION");
    expect(codeOf(() => setup({ crash: false }))).toBeUndefined();
  });

  it("an adapter that cannot listen to uncaught errors rejects the option", () => {
    const runtime = new FakeRuntime();
    const bare = Object.assign(Object.create(runtime) as FakeRuntime, { onCrash: undefined });
    expect(codeOf(() => createEngine({ logger: false, crash: true }, bare, new FakeClock()))).toBe("ERR_DRAIN_INVALID_OPTION");
  });
});

describe("the report's log line after a crash", () => {
  it("names the crash", async () => {
    const { runtime, engine, logger } = setup({ crash: true });
    runtime.crash(new Error("boom"));
    await engine.stopped;
    expect(logger.lines.some((line) => line.startsWith("drain: stopped in") && line.endsWith("after a crash: Error: boom"))).toBe(true);
  });
});
