import { describe, expect, it } from "vitest";
import { createEngine } from "./engine.ts";
import { FakeClock, FakeRuntime, memoryLogger, settle } from "./testing/fake-runtime.ts";

function setup(env: Record<string, string | undefined>) {
  const clock = new FakeClock();
  const runtime = new FakeRuntime();
  const logger = memoryLogger();
  const engine = createEngine({ logger, exit: false, env, timeoutMs: 10_000, progressEveryMs: 1_000 }, runtime, clock);
  return { clock, runtime, engine, logger };
}

describe("systemd notifications", () => {
  it("sends STOPPING=1 with the budget left (plus 5 s to exit) when the shutdown starts, and extends at each tick", async () => {
    const { runtime, engine, clock } = setup({ NOTIFY_SOCKET: "/run/systemd/notify" });
    const id = engine.track.open("http1");
    engine.track.request(id);
    expect(runtime.notifications).toEqual([]);
    void engine.shutdown();
    expect(runtime.notifications).toEqual(["/run/systemd/notify: STOPPING=1\nEXTEND_TIMEOUT_USEC=15000000"]);
    clock.advance(1_000);
    expect(runtime.notifications[1]).toBe("/run/systemd/notify: EXTEND_TIMEOUT_USEC=14000000");
    engine.track.responseEnd(id, true);
    engine.track.closed(id);
    await engine.stopped;
    expect(runtime.notifications.filter((line) => line.includes("STOPPING=1"))).toHaveLength(1);
  });

  it("a shutdown's own timeoutMs is what systemd is told", () => {
    const { runtime, engine } = setup({ NOTIFY_SOCKET: "@/org/freedesktop/systemd1/notify" });
    engine.track.request(engine.track.open("http1"));
    void engine.shutdown({ timeoutMs: 60_000 });
    expect(runtime.notifications).toEqual(["@/org/freedesktop/systemd1/notify: STOPPING=1\nEXTEND_TIMEOUT_USEC=65000000"]);
  });

  it("sends nothing without NOTIFY_SOCKET", async () => {
    const { runtime, engine } = setup({});
    await engine.shutdown();
    expect(runtime.notifications).toEqual([]);
  });

  it("reports the first failure once, then stops sending", async () => {
    const clock = new FakeClock();
    const runtime = new FakeRuntime();
    const errors: string[] = [];
    let calls = 0;
    runtime.notifySupervisor = () => {
      calls++;
      return Promise.reject(new Error("systemd-notify: not found"));
    };
    const engine = createEngine({ logger: false, exit: false, env: { NOTIFY_SOCKET: "/x" }, progressEveryMs: 100 }, runtime, clock);
    engine.on("error", ({ context }) => errors.push(context));
    engine.track.request(engine.track.open("http1"));
    void engine.shutdown();
    await settle();
    clock.advance(500);
    await settle();
    expect(errors).toEqual(["notifying systemd"]);
    expect(calls).toBe(1);
  });
});
