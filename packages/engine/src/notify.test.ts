import { describe, expect, it } from "vitest";
import { createEngine } from "./engine.ts";
import { FakeClock, FakeRuntime, memoryLogger } from "./testing/fake-runtime.ts";
import type { DrainOptions } from "./types.ts";

function setup(options: DrainOptions = {}) {
  const clock = new FakeClock();
  const runtime = new FakeRuntime();
  const logger = memoryLogger();
  const engine = createEngine({ logger, exit: false, control: { socket: "/run/test/drain.sock" }, ...options }, runtime, clock);
  const control = runtime.control;
  if (control === undefined) throw new Error("the engine did not start the control endpoint");
  const status = async (): Promise<Record<string, unknown>> =>
    (await (await control.handler(new Request("http://localhost/status"), { address: "unix", transport: "unix" })).json()) as Record<string, unknown>;
  /** A request on a runtime that hides connections (Bun, Deno): one entity per request. */
  const request = (): { id: number; request: Request } => {
    const id = engine.track.open("request");
    engine.track.request(id);
    const req = new Request("http://localhost/ready");
    engine.track.bind(req, id);
    return { id, request: req };
  };
  return { clock, runtime, logger, engine, status, request };
}

describe("adaptive notify in the engine", () => {
  it("probes answered with their request are not traffic; the drain starts a quiet window after the last real request", async () => {
    const { clock, engine, logger, status, request } = setup({ notifyMs: { minMs: 300, quietMs: 500, maxMs: 5_000 } });
    void engine.shutdown({ reason: "SIGTERM" });
    expect(engine.phase).toBe("notify");
    clock.advance(200);
    const real = request(); // real traffic at +200
    engine.track.responseEnd(real.id, true);
    engine.track.closed(real.id);
    // A balancer polls readiness every 100 ms, each on a new connection; every answer is a 503.
    for (let i = 0; i < 6; i++) {
      clock.advance(100);
      const probe = request();
      expect(engine.readiness(probe.request).status).toBe(503);
      engine.track.responseEnd(probe.id, true);
      engine.track.closed(probe.id);
    }
    // The quiet window after the request at +200 passed at +700, before the probe of that moment: the drain started
    // then, though probes kept coming every 100 ms.
    expect(engine.phase).not.toBe("notify");
    const report = await engine.stopped;
    expect(report.notify).toEqual({ kind: "adaptive", endedBy: "quiet", startedAt: 1_000, durationMs: 700, arrivals: 10, probes: 4, lastArrivalAt: 1_200 });
    expect(logger.lines).toContain("drain: notify ended (quiet) after 0.7 s; the last new connection or request came 0.5 s before");
    expect(logger.lines.find((line) => line.startsWith("drain: stopped"))).toContain(": notify 0.7 s (ended by quiet); closed");
    expect(await status()).toMatchObject({ notify: { kind: "adaptive", endedBy: "quiet", durationMs: 700, msToEnd: null } });
  });

  it("/status shows a running notify: how long so far, when it ends if nothing arrives, and the last arrival", async () => {
    const { clock, engine, status, request } = setup({ notifyMs: { minMs: 1_000, quietMs: 500, maxMs: 5_000 } });
    expect((await status())["notify"]).toBeNull();
    void engine.shutdown();
    clock.advance(400);
    request();
    clock.advance(100);
    expect((await status())["notify"]).toEqual({ kind: "adaptive", endedBy: null, durationMs: 500, msToEnd: 500, lastArrivalMsAgo: 100 });
    expect(engine.phase).toBe("notify");
  });

  it("a probe without its request counts as traffic (it can only make notify longer)", () => {
    const { clock, engine, request } = setup({ notifyMs: { minMs: 300, quietMs: 300, maxMs: 1_000 } });
    void engine.shutdown();
    for (let i = 0; i < 12 && engine.phase === "notify"; i++) {
      clock.advance(100);
      request();
      engine.readiness();
    }
    // Never quiet: the notify lasted to maxMs.
    expect(engine.phase).not.toBe("notify");
    expect(clock.now()).toBe(2_000);
  });

  it("under Kubernetes the default stays a fixed 5 s; an adaptive notifyMs is taken as given", () => {
    const k8s = { KUBERNETES_SERVICE_HOST: "10.0.0.1" };
    const fixed = setup({ env: k8s });
    void fixed.engine.shutdown();
    fixed.clock.advance(4_999);
    expect(fixed.engine.phase).toBe("notify");
    fixed.clock.advance(1);
    expect(fixed.engine.phase).not.toBe("notify");
    const adaptive = setup({ env: k8s, notifyMs: { minMs: 1_000, maxMs: 8_000 } });
    void adaptive.engine.shutdown();
    adaptive.clock.advance(1_000);
    expect(adaptive.engine.phase).not.toBe("notify");
  });
});
