import { describe, expect, it } from "vitest";
import { createEngine } from "./engine.ts";
import { fakeEngine, FakeClock, FakeRuntime, settle } from "./testing/fake-runtime.ts";
import type { DrainOptions } from "./types.ts";

const setup = (options: DrainOptions = {}) => fakeEngine(options);

describe("signals", () => {
  it("listens to SIGTERM and SIGINT by default and starts a graceful drain on the first", async () => {
    const { runtime, engine } = setup();
    expect([...runtime.signalListeners.keys()]).toEqual(["SIGTERM", "SIGINT"]);
    runtime.kill("SIGTERM");
    expect(engine.phase).toBe("stopped");
    const report = await engine.stopped;
    expect(report).toMatchObject({ mode: "graceful", reason: "SIGTERM", clean: true });
  });

  it("a second signal while draining forces at once and exits with the forced code", async () => {
    const { runtime, engine, clock } = setup({ exit: { forced: 7 } });
    const id = engine.track.open("http1");
    engine.track.request(id);
    runtime.kill("SIGTERM");
    expect(engine.phase).toBe("drain");
    clock.advance(100);
    runtime.kill("SIGINT");
    const report = await engine.stopped;
    expect(report).toMatchObject({ escalated: true, clean: false, mode: "immediate" });
    expect(runtime.executed).toContainEqual({ type: "destroy", id, why: "immediate" });
    await settle();
    expect(runtime.exits).toEqual([7]);
  });

  it("the same signal delivered twice at once (a launcher passing on its group's signal) is one signal, not a second", async () => {
    const { runtime, engine, clock } = setup();
    const id = engine.track.open("http1");
    engine.track.request(id);
    runtime.kill("SIGINT");
    clock.advance(5);
    runtime.kill("SIGINT");
    expect(engine.phase).toBe("drain");
    expect(runtime.executed).not.toContainEqual({ type: "destroy", id, why: "immediate" });
    // Insisting later still forces.
    clock.advance(500);
    runtime.kill("SIGINT");
    expect(await engine.stopped).toMatchObject({ escalated: true, mode: "immediate" });
  });

  it("signals: false installs no listener; exit: false never exits", async () => {
    const { runtime, engine } = setup({ signals: false, exit: false });
    expect(runtime.listenerCount()).toBe(0);
    await engine.shutdown();
    await settle();
    expect(runtime.exits).toEqual([]);
  });

  it("exits 0 after a clean shutdown, after finish() released the runtime", async () => {
    const { runtime, engine } = setup();
    await engine.shutdown({ reason: "test" });
    expect(runtime.finished).toBe(1);
    await settle();
    expect(runtime.exits).toEqual([0]);
  });

  it("stops listening to signals once stopped, and dispose() removes everything", async () => {
    const { runtime, engine } = setup({ exit: false });
    expect(runtime.listenerCount()).toBe(2);
    engine.dispose();
    expect(runtime.listenerCount()).toBe(0);
    expect(runtime.disposed).toBe(1);
    await expect(engine.shutdown()).rejects.toMatchObject({ code: "ERR_DRAIN_DISPOSED" });
  });
});

describe("the shutdown signal and probes", () => {
  it("readiness fails from the request on, liveness stays 200, the AbortSignal fires when the drain starts", () => {
    const { engine, clock } = setup({ notifyMs: 500, exit: false });
    const id = engine.track.open("http1");
    engine.track.request(id);
    expect(engine.readiness().status).toBe(200);
    void engine.shutdown();
    expect(engine.phase).toBe("notify");
    expect(engine.readiness().status).toBe(503);
    expect(engine.readiness().headers.get("retry-after")).toBe("5");
    expect(engine.liveness().status).toBe(200);
    expect(engine.signal.aborted).toBe(false);
    clock.advance(500);
    expect(engine.phase).toBe("drain");
    expect(engine.signal.aborted).toBe(true);
    expect(engine.liveness().status).toBe(200);
  });

  it("defaults notifyMs to 5 s under Kubernetes", () => {
    const { engine } = setup({ env: { KUBERNETES_SERVICE_HOST: "10.0.0.1" }, exit: false });
    void engine.shutdown();
    expect(engine.phase).toBe("notify");
    expect(engine.msToDeadline()).toBe(25_000);
  });
});

describe("hooks", () => {
  it("run in order; a throwing and a hanging hook are reported and the shutdown still ends in budget", async () => {
    const { engine, clock, logger } = setup({ exit: false, timeoutMs: 10_000 });
    const ran: string[] = [];
    let hungSignal: AbortSignal | undefined;
    engine.onShutdown("flush", () => void ran.push("flush"), { order: 2 });
    engine.onShutdown("hang", ({ signal }) => {
      ran.push("hang");
      hungSignal = signal;
      return new Promise(() => {});
    }, { order: 1, timeoutMs: 300 });
    engine.onShutdown("throw", () => {
      ran.push("throw");
      throw new Error("pool already closed");
    }, { order: 3 });
    const events: string[] = [];
    engine.on("hook", (hook) => events.push(`${hook.name}:${hook.result}`));
    void engine.shutdown();
    await settle();
    expect(ran).toEqual(["hang"]);
    clock.advance(300);
    await settle();
    await settle();
    expect(hungSignal?.aborted).toBe(true);
    const report = await engine.stopped;
    expect(ran).toEqual(["hang", "flush", "throw"]);
    expect(report.hooks.map((h) => [h.name, h.result, h.error])).toEqual([
      ["hang", "timeout", undefined],
      ["flush", "ok", undefined],
      ["throw", "error", "pool already closed"],
    ]);
    expect(events).toEqual(["hang:timeout", "flush:ok", "throw:error"]);
    expect(report.clean).toBe(false);
    expect(logger.lines.some((l) => l.includes('cleanup hook "throw" error: pool already closed'))).toBe(true);
  });

  it("rejects a duplicate or nameless hook with a stable code", () => {
    const { engine } = setup({ exit: false });
    engine.onShutdown("db", () => {});
    expect(() => engine.onShutdown("db", () => {})).toThrow(expect.objectContaining({ code: "ERR_DRAIN_INVALID_HOOK" }));
    expect(() => engine.onShutdown("", () => {})).toThrow(expect.objectContaining({ code: "ERR_DRAIN_INVALID_HOOK" }));
    expect(() => engine.onShutdown("x", () => {}, { timeoutMs: -1 })).toThrow(expect.objectContaining({ code: "ERR_DRAIN_INVALID_HOOK" }));
  });
});

describe("options", () => {
  it.each([
    [{ timeoutMs: -1 }, "ERR_DRAIN_INVALID_DURATION"],
    [{ timeoutMs: Number.NaN }, "ERR_DRAIN_INVALID_DURATION"],
    [{ notifyMs: 30_000 }, "ERR_DRAIN_NOTIFY_NOT_BEFORE_DEADLINE"],
    [{ timeoutMss: 1 }, "ERR_DRAIN_UNKNOWN_OPTION"],
    [{ signals: ["SIGKILL"] }, "ERR_DRAIN_INVALID_OPTION"],
    [{ exit: { forced: 300 } }, "ERR_DRAIN_INVALID_OPTION"],
    [{ logger: { info() {} } }, "ERR_DRAIN_INVALID_OPTION"],
    [{ mode: "gentle" }, "ERR_DRAIN_INVALID_MODE"],
  ])("%j fails at start-up with %s", (options, code) => {
    expect(() => createEngine(options as never, new FakeRuntime(), new FakeClock())).toThrow(expect.objectContaining({ code }));
  });

  it("names the unknown option and lists the known ones", () => {
    expect(() => createEngine({ timeout: 5 } as never, new FakeRuntime(), new FakeClock())).toThrow(/Unknown drain option "timeout".*timeoutMs/);
  });
});

describe("connections through the engine", () => {
  it("hands connection commands to the runtime and reports progress lines while draining", async () => {
    const { engine, runtime, clock, logger } = setup({ exit: false, keepAliveGraceMs: 100 });
    const idle = engine.track.open("http1");
    engine.track.request(idle);
    engine.track.responseEnd(idle, false);
    const busy = engine.track.open("http1");
    engine.track.request(busy);
    clock.advance(500);
    void engine.shutdown({ reason: "SIGTERM" });
    expect(runtime.executed).toEqual([
      { type: "stop-accepting" },
      { type: "close", id: idle, why: "idle" },
      { type: "mark-closing", id: busy },
    ]);
    clock.advance(1_000);
    expect(logger.lines).toContain("drain: 1 request, 0 SSE, 0 WebSockets left, 24.0 s to deadline");
    engine.track.responseEnd(busy, true);
    engine.track.closed(busy);
    const report = await engine.stopped;
    expect(report.connections).toEqual({ closedIdle: 1, closedNeverUsed: 0, closedAfterResponse: 1, forced: 0 });
    expect(logger.lines.at(-1)).toMatch(/^drain: stopped in 1\.0 s, clean/);
  });

  it("reads no clock for a request while serving, but stamps a response end with its own time", async () => {
    const { engine, runtime, clock } = setup({ exit: false, keepAliveGraceMs: 100 });
    let reads = 0;
    const now = clock.now.bind(clock);
    clock.now = () => (reads++, now());
    const id = engine.track.open("http1");
    clock.advance(5_000);
    reads = 0;
    engine.track.request(id);
    expect(reads).toBe(0);
    engine.track.responseEnd(id, false);
    // The response ended just now, so the shutdown gives the connection the keep-alive grace instead of closing it
    // under a next request the client may be writing (it would, had the end taken the open's time).
    void engine.shutdown();
    expect(runtime.executed).toEqual([{ type: "stop-accepting" }]);
    clock.advance(100);
    expect(runtime.executed).toContainEqual({ type: "close", id, why: "idle" });
  });

  it("an adapter that throws on a command is reported and the shutdown goes on", async () => {
    const clock = new FakeClock();
    const runtime = new FakeRuntime();
    runtime.execute = () => {
      throw new Error("socket already gone");
    };
    const engine = createEngine({ exit: false, logger: false }, runtime, clock);
    const errors: string[] = [];
    engine.on("error", ({ context }) => errors.push(context));
    engine.track.open("http1");
    clock.advance(5_000); // older than the keep-alive grace: closed at once as never used
    const report = await engine.shutdown();
    expect(errors).toEqual(["fake stop-accepting", "fake close"]);
    expect(report.clean).toBe(true);
  });
});

describe("a second shutdown request", () => {
  it("a second graceful shutdown() joins the running one: the same report, nothing forced, the clean exit code", async () => {
    const { runtime, engine, logger } = setup({ exit: { clean: 0, forced: 7 } });
    const id = engine.track.open("http1");
    engine.track.request(id);
    const first = engine.shutdown({ reason: "app" });
    const second = engine.shutdown({ reason: "library" });
    expect(engine.phase).toBe("drain");
    expect(runtime.executed.some((command) => command.type === "destroy")).toBe(false);
    engine.track.responseEnd(id, true);
    engine.track.closed(id);
    const report = await first;
    expect(await second).toBe(report);
    expect(report).toMatchObject({ clean: true, escalated: false, reason: "app", mode: "graceful" });
    expect(logger.lines.some((line) => line.includes("forcing"))).toBe(false);
    await settle();
    expect(runtime.exits).toEqual([0]);
  });

  it("shutdown({ mode: \"immediate\" }) escalates a running shutdown; after the report it only returns the report", async () => {
    const { runtime, engine } = setup({ exit: { forced: 7 } });
    const id = engine.track.open("http1");
    engine.track.request(id);
    void engine.shutdown();
    const report = await engine.shutdown({ mode: "immediate", reason: "operator" });
    expect(report).toMatchObject({ escalated: true, clean: false, mode: "immediate" });
    expect(runtime.executed).toContainEqual({ type: "destroy", id, why: "immediate" });
    expect(await engine.shutdown({ mode: "immediate" })).toBe(report);
    await settle();
    expect(runtime.exits).toEqual([7]);
  });
});

describe("dispose() during a shutdown", () => {
  it("forces what remains, skips the hooks left, settles stopped and exits with the forced code", async () => {
    const { runtime, engine } = setup({ exit: { forced: 7 } });
    engine.onShutdown("hangs", () => new Promise(() => {}), { timeoutMs: 5_000 });
    const id = engine.track.open("http1");
    engine.track.request(id);
    const shutdown = engine.shutdown({ reason: "deploy" });
    expect(engine.phase).toBe("drain");
    engine.dispose();
    const report = await shutdown;
    expect(report).toMatchObject({ clean: false, escalated: true, reason: "deploy" });
    expect(report.hooks).toEqual([expect.objectContaining({ name: "hangs", result: "skipped" })]);
    expect(runtime.executed).toContainEqual({ type: "destroy", id, why: "immediate" });
    await settle();
    expect(runtime.exits).toEqual([7]);
    // Disposed all the same: nothing else can be started.
    await expect(engine.shutdown()).rejects.toMatchObject({ code: "ERR_DRAIN_DISPOSED" });
  });

  it("in cleanup stops waiting for the running hook, settles stopped and exits", async () => {
    const { runtime, engine } = setup({ exit: { forced: 7 } });
    let aborted = false;
    engine.onShutdown("hangs", ({ signal }) => {
      signal.addEventListener("abort", () => (aborted = true));
      return new Promise(() => {});
    }, { timeoutMs: 5_000 });
    const shutdown = engine.shutdown();
    await settle();
    expect(engine.phase).toBe("cleanup");
    engine.dispose();
    const report = await shutdown;
    expect(report.hooks).toEqual([expect.objectContaining({ name: "hangs", result: "skipped" })]);
    expect(aborted).toBe(true);
    await settle();
    // Nothing was forced (a skipped hook is not a forced connection): the report decides the code, as always.
    expect(runtime.exits).toEqual([report.clean ? 0 : 7]);
  });
});
