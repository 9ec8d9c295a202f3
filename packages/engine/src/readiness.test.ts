import { describe, expect, it } from "vitest";
import { createEngine } from "./engine.ts";
import { exposeEngine } from "./expose.ts";
import { FakeClock, FakeRuntime, memoryLogger, settle } from "./testing/fake-runtime.ts";

function setup(options: Parameters<typeof createEngine>[0] = {}) {
  const clock = new FakeClock();
  const runtime = new FakeRuntime();
  const engine = createEngine({ logger: memoryLogger(), ...options }, runtime, clock);
  return { clock, runtime, engine };
}

describe("readiness at start-up (startReady, ready())", () => {
  it("answers 503 starting until ready(), then 200; liveness is 200 throughout", async () => {
    const { engine } = setup({ startReady: false });
    const before = engine.readiness();
    expect(before.status).toBe(503);
    expect(await before.text()).toBe("starting\n");
    expect(before.headers.get("cache-control")).toBe("no-store");
    expect(engine.liveness().status).toBe(200);
    engine.ready();
    engine.ready();
    expect(engine.readiness().status).toBe(200);
    expect(engine.liveness().status).toBe(200);
  });

  it("is ready from the start by default", () => {
    expect(setup().engine.readiness().status).toBe(200);
  });

  it("ready() after the shutdown started leaves readiness at 503", async () => {
    const { engine } = setup({ startReady: false, notifyMs: 1_000, exit: false });
    void engine.shutdown({ reason: "test" });
    engine.ready();
    const response = engine.readiness();
    expect(response.status).toBe(503);
    expect(await response.text()).toBe("shutting down (notify)\n");
  });

  it("a shutdown before ready() drains normally and exits clean", async () => {
    const { engine, runtime } = setup({ startReady: false });
    const id = engine.track.open("http1");
    engine.track.request(id);
    runtime.kill("SIGTERM");
    expect(engine.phase).toBe("drain");
    engine.track.responseEnd(id, true);
    engine.track.closed(id);
    expect(await engine.stopped).toMatchObject({ clean: true, reason: "SIGTERM" });
    await settle();
    expect(runtime.exits).toEqual([0]);
  });

  it("ready() after dispose() does nothing and does not throw", () => {
    const { engine } = setup({ startReady: false });
    engine.dispose();
    expect(() => engine.ready()).not.toThrow();
  });

  it("is forwarded by exposeEngine", () => {
    const { engine } = setup({ startReady: false });
    const exposed = exposeEngine(engine, {});
    exposed.ready();
    expect(engine.readiness().status).toBe(200);
  });

  it("GET /status on the control endpoint shows ready: false until ready(), then true", async () => {
    const { engine, runtime } = setup({ startReady: false, control: { socket: "/run/test/drain.sock" } });
    const control = runtime.control;
    if (control === undefined) throw new Error("no control endpoint");
    const status = async (): Promise<unknown> =>
      (await control.handler(new Request("http://localhost/status"), { address: "unix", transport: "unix" })).json();
    expect(await status()).toMatchObject({ phase: "serving", ready: false });
    engine.ready();
    expect(await status()).toMatchObject({ phase: "serving", ready: true });
  });

  it("rejects a non-boolean startReady at start-up with ERR_DRAIN_INVALID_OPTION", () => {
    expect(() => setup({ startReady: 0 as unknown as boolean })).toThrow(expect.objectContaining({ code: "ERR_DRAIN_INVALID_OPTION" }));
  });
});
