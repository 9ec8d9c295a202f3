import { isDrainError } from "@drain/core";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { drainMiddleware } from "./middleware.ts";
import { testDrain } from "./testing/test-drain.ts";
import type { DrainEnv } from "./types.ts";

function appWith(d = testDrain({ notifyMs: 1000 }), options?: Parameters<typeof drainMiddleware>[1]) {
  const app = new Hono<DrainEnv>();
  app.use(drainMiddleware(() => d.engine, options));
  app.get("/", (c) => c.text("ok"));
  app.get("/vars", (c) => c.json({ same: c.var.drain === d.engine, signal: c.var.shutdownSignal === d.engine.signal, aborted: c.var.shutdownSignal.aborted, phase: c.var.drain.phase }));
  app.get("/moved", () => Response.redirect("http://example.test/elsewhere", 302));
  app.get("/ws", (c) => c.text("upgrade would happen here"));
  return { app, ...d };
}

describe("drainMiddleware: probes", () => {
  it("serves readiness 200 while serving and 503 from the shutdown request on; liveness stays 200", async () => {
    const { app, engine } = appWith();
    expect((await app.request("/ready")).status).toBe(200);
    expect((await app.request("/live")).status).toBe(200);
    void engine.shutdown();
    const ready = await app.request("/ready");
    expect(ready.status).toBe(503);
    expect(ready.headers.get("connection")).toBe("close");
    expect((await app.request("/live")).status).toBe(200);
  });

  it("with startReady false, readiness is 503 until a handler calls c.var.drain.ready(); no Connection: close while starting", async () => {
    const { app } = appWith(testDrain({ startReady: false }));
    app.post("/warmed", (c) => {
      c.var.drain.ready();
      return c.text("ready");
    });
    const starting = await app.request("/ready");
    expect(starting.status).toBe(503);
    expect(await starting.text()).toBe("starting\n");
    // Still serving: only the probe says "not yet", nothing asks clients to close.
    expect(starting.headers.get("connection")).toBeNull();
    expect((await app.request("/live")).status).toBe(200);
    expect((await app.request("/warmed", { method: "POST" })).status).toBe(200);
    expect((await app.request("/ready")).status).toBe(200);
  });

  it("answers HEAD on the probe paths and leaves other methods to the app", async () => {
    const { app } = appWith();
    expect((await app.request("/ready", { method: "HEAD" })).status).toBe(200);
    expect((await app.request("/ready", { method: "POST" })).status).toBe(404);
  });

  it("takes custom paths, and false turns a probe off", async () => {
    const { app, engine } = appWith(undefined, { readinessPath: "/healthz/ready", livenessPath: false });
    void engine.shutdown();
    expect((await app.request("/healthz/ready")).status).toBe(503);
    expect((await app.request("/ready")).status).toBe(404);
    expect((await app.request("/live")).status).toBe(404);
  });
});

describe("drainMiddleware: c.var", () => {
  it("gives handlers the drain and its shutdown signal, which aborts when the drain starts", async () => {
    const d = testDrain({ notifyMs: 1000 });
    const { app } = appWith(d);
    expect(await (await app.request("/vars")).json()).toEqual({ same: true, signal: true, aborted: false, phase: "serving" });
    const held = d.hold();
    void d.engine.shutdown();
    d.clock.advance(1000);
    expect(await (await app.request("/vars")).json()).toEqual({ same: true, signal: true, aborted: true, phase: "drain" });
    held.release();
  });

  it("accepts the engine itself as well as a getter", async () => {
    const d = testDrain();
    const app = new Hono<DrainEnv>();
    app.use(drainMiddleware(d.engine));
    app.get("/", (c) => c.text(c.var.drain.phase));
    expect(await (await app.request("/")).text()).toBe("serving");
  });
});

describe("drainMiddleware: during the shutdown", () => {
  it("serves ordinary requests during notify, with Connection: close; none while serving", async () => {
    const { app, engine } = appWith();
    const before = await app.request("/");
    expect(before.headers.get("connection")).toBeNull();
    void engine.shutdown();
    expect(engine.phase).toBe("notify");
    const during = await app.request("/");
    expect(during.status).toBe(200);
    expect(await during.text()).toBe("ok");
    expect(during.headers.get("connection")).toBe("close");
  });

  it("tells a request that started while serving and ends during the shutdown", async () => {
    const d = testDrain({ notifyMs: 1000 });
    const app = new Hono<DrainEnv>();
    app.use(drainMiddleware(() => d.engine));
    let stop: (() => void) | undefined;
    let entered: (() => void) | undefined;
    const inHandler = new Promise<void>((resolve) => (entered = resolve));
    app.get("/slow", async (c) => {
      const held = new Promise<void>((resolve) => (stop = resolve));
      entered?.();
      await held;
      return c.text("slow");
    });
    const pending = app.request("/slow");
    await inHandler;
    expect(d.engine.phase).toBe("serving");
    void d.engine.shutdown();
    stop?.();
    expect((await pending).headers.get("connection")).toBe("close");
  });

  it("adds Connection: close to a response with immutable headers too", async () => {
    const { app, engine } = appWith();
    void engine.shutdown();
    const moved = await app.request("/moved");
    expect(moved.status).toBe(302);
    expect(moved.headers.get("location")).toBe("http://example.test/elsewhere");
    expect(moved.headers.get("connection")).toBe("close");
  });

  it("adds nothing when the client already asked for Connection: close (the runtime answers that itself)", async () => {
    const { app, engine } = appWith();
    void engine.shutdown();
    const response = await app.request("/", { headers: { connection: "close" } });
    expect(response.headers.get("connection")).toBeNull();
  });

  it("answers a WebSocket upgrade with 503 and Retry-After, and lets it through while serving", async () => {
    const { app, engine } = appWith();
    const upgrade = { headers: { upgrade: "websocket", connection: "Upgrade" } };
    expect(await (await app.request("/ws", upgrade)).text()).toBe("upgrade would happen here");
    void engine.shutdown();
    const refused = await app.request("/ws", upgrade);
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(refused.headers.get("connection")).toBe("close");
  });

  it("uses the configured Retry-After", async () => {
    const { app, engine } = appWith(undefined, { retryAfterSeconds: 5 });
    void engine.shutdown();
    const refused = await app.request("/ws", { headers: { upgrade: "websocket" } });
    expect(refused.headers.get("retry-after")).toBe("5");
  });
});

describe("drainMiddleware: mistakes fail early with a code", () => {
  const d = testDrain();
  const codeOf = (run: () => unknown): string | undefined => {
    try {
      run();
    } catch (error) {
      return isDrainError(error) ? error.code : "not a DrainError";
    }
    return undefined;
  };

  it("rejects what is neither a drain nor a getter", () => {
    expect(codeOf(() => drainMiddleware({} as never))).toBe("ERR_DRAIN_INVALID_OPTION");
    expect(codeOf(() => drainMiddleware(undefined as never))).toBe("ERR_DRAIN_INVALID_OPTION");
  });

  it("rejects unknown options, bad paths and a bad Retry-After", () => {
    expect(codeOf(() => drainMiddleware(d.engine, { readinesPath: "/r" } as never))).toBe("ERR_DRAIN_UNKNOWN_OPTION");
    expect(codeOf(() => drainMiddleware(d.engine, { readinessPath: "ready" }))).toBe("ERR_DRAIN_INVALID_OPTION");
    expect(codeOf(() => drainMiddleware(d.engine, { livenessPath: true as never }))).toBe("ERR_DRAIN_INVALID_OPTION");
    expect(codeOf(() => drainMiddleware(d.engine, { retryAfterSeconds: 1.5 }))).toBe("ERR_DRAIN_INVALID_OPTION");
    expect(codeOf(() => drainMiddleware(d.engine, { retryAfterSeconds: -1 }))).toBe("ERR_DRAIN_INVALID_OPTION");
  });

  it("reports a getter that returns no drain on the request, with a code", async () => {
    const app = new Hono<DrainEnv>();
    let caught: unknown;
    app.onError((error, c) => {
      caught = error;
      return c.text("error", 500);
    });
    app.use(drainMiddleware(() => undefined));
    app.get("/", (c) => c.text("ok"));
    expect((await app.request("/")).status).toBe(500);
    expect(isDrainError(caught) && caught.code).toBe("ERR_DRAIN_NOT_ATTACHED");
  });
});
