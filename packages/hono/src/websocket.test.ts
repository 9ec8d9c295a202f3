import { isDrainError } from "@drain/core";
import { Hono } from "hono";
import { defineWebSocketHelper, WSContext } from "hono/ws";
import { describe, expect, it } from "vitest";
import { drainMiddleware } from "./middleware.ts";
import { testDrain } from "./testing/test-drain.ts";
import type { DrainEnv } from "./types.ts";
import { drainWebSocket } from "./websocket.ts";

/** A server-side socket that records what it was told; `close()` completes the handshake at once. */
class FakeSocket {
  readonly closes: number[] = [];
  readonly sent: string[] = [];
  onclose: ((code: number) => void) | undefined;
  close(code = 1005): void {
    this.closes.push(code);
    this.onclose?.(code);
  }
  terminate(): void {
    this.onclose?.(1006);
  }
}

/**
 * An `upgradeWebSocket` built the way Hono's adapters build theirs (`defineWebSocketHelper`): it opens a
 * `FakeSocket` for each upgrade and calls the app's events with a `WSContext` whose `raw` is that socket.
 */
function fakeUpgradeWebSocket(options: { rawIsClosable?: boolean; beforeOpen?: (raw: FakeSocket) => void } = {}) {
  const opened: FakeSocket[] = [];
  const upgradeWebSocket = defineWebSocketHelper<FakeSocket | string>(async (c, events) => {
    if (c.req.header("upgrade") !== "websocket") return;
    const raw = new FakeSocket();
    const ws = new WSContext<FakeSocket | string>({
      raw: options.rawIsClosable === false ? "not a socket" : raw,
      readyState: 1,
      send: (data) => void raw.sent.push(String(data)),
      close: (code) => raw.close(code),
    });
    raw.onclose = (code) => events.onClose?.(Object.assign(new Event("close"), { code }) as CloseEvent, ws);
    opened.push(raw);
    options.beforeOpen?.(raw);
    events.onOpen?.(new Event("open"), ws);
    return new Response(null);
  });
  return { upgradeWebSocket, opened };
}

const UPGRADE = { headers: { upgrade: "websocket", connection: "Upgrade" } };

function appWith(runtime: ReturnType<typeof fakeUpgradeWebSocket>, d = testDrain()) {
  const app = new Hono<DrainEnv>();
  app.use(drainMiddleware(() => d.engine));
  const closes: number[] = [];
  app.get(
    "/ws",
    drainWebSocket(runtime.upgradeWebSocket)(() => ({
      onClose: (event) => void closes.push(event.code),
    })),
  );
  return { app, closes, ...d };
}

describe("drainWebSocket", () => {
  it("registers each socket on open: it gets 1001 on drain and is counted closed once it closes", async () => {
    const runtime = fakeUpgradeWebSocket();
    const { app, engine, closes } = appWith(runtime);
    await app.request("/ws", UPGRADE);
    expect(runtime.opened).toHaveLength(1);
    expect(engine.counts().websockets).toBe(1);

    const report = await engine.shutdown({ reason: "deploy" });
    expect(runtime.opened[0]?.closes).toEqual([1001]);
    // The app's own onClose still runs.
    expect(closes).toEqual([1001]);
    expect(report.websockets).toEqual({ closed: 1, cutAfterCloseTimeout: 0, forced: 0 });
    expect(engine.counts().websockets).toBe(0);
  });

  it("counts a socket once when the runtime adapter registered it already (as @drain/bun's handlers do)", async () => {
    const d = testDrain();
    const runtime = fakeUpgradeWebSocket({ beforeOpen: (raw) => void d.engine.websocket(raw) });
    const { app, engine } = appWith(runtime, d);
    await app.request("/ws", UPGRADE);
    expect(engine.counts().websockets).toBe(1);
    const report = await engine.shutdown();
    expect(runtime.opened[0]?.closes).toEqual([1001]);
    expect(report.websockets).toEqual({ closed: 1, cutAfterCloseTimeout: 0, forced: 0 });
  });

  it("falls back to Hono's WSContext when the runtime's raw socket cannot be closed", async () => {
    const runtime = fakeUpgradeWebSocket({ rawIsClosable: false });
    const { app, engine } = appWith(runtime);
    await app.request("/ws", UPGRADE);
    const report = await engine.shutdown();
    expect(runtime.opened[0]?.closes).toEqual([1001]);
    expect(report.websockets.closed).toBe(1);
  });

  it("answers an upgrade during the shutdown 503 with Retry-After, in the helper form too, and opens nothing", async () => {
    const runtime = fakeUpgradeWebSocket();
    const d = testDrain({ notifyMs: 1000 });
    const app = new Hono<DrainEnv>();
    // Mounted for /inner only: the route's own refusal is what answers /ws here.
    app.use("/inner", drainMiddleware(() => d.engine));
    app.use("/ws", async (c, next) => {
      c.set("drain", d.engine);
      await next();
    });
    const upgrade = drainWebSocket(runtime.upgradeWebSocket);
    app.get("/ws", (c) => upgrade(c, {}));
    void d.engine.shutdown();
    const refused = await app.request("/ws", UPGRADE);
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(runtime.opened).toHaveLength(0);
  });

  it.each(["middleware form", "helper form"] as const)(
    "refuses with the middleware's retryAfterSeconds when the shutdown starts after the middleware let the upgrade through (%s)",
    async (form) => {
      const runtime = fakeUpgradeWebSocket();
      const d = testDrain({ notifyMs: 1000 });
      const app = new Hono<DrainEnv>();
      app.use(drainMiddleware(() => d.engine, { retryAfterSeconds: 7 }));
      // The middleware has passed the upgrade on while serving; the shutdown starts before the route runs.
      app.use("/ws", async (_c, next) => {
        void d.engine.shutdown();
        await next();
      });
      const upgrade = drainWebSocket(runtime.upgradeWebSocket);
      if (form === "middleware form") app.get("/ws", upgrade(() => ({})));
      else app.get("/ws", (c) => upgrade(c, {}));
      const refused = await app.request("/ws", UPGRADE);
      expect(refused.status).toBe(503);
      expect(refused.headers.get("retry-after")).toBe("7");
      expect(runtime.opened).toHaveLength(0);
    },
  );

  it("leaves a request without Upgrade to the next handler, as the original does", async () => {
    const runtime = fakeUpgradeWebSocket();
    const { app } = appWith(runtime);
    expect((await app.request("/ws")).status).toBe(404);
  });

  it("needs drainMiddleware, and says so with a code", async () => {
    const runtime = fakeUpgradeWebSocket();
    const app = new Hono();
    let caught: unknown;
    app.onError((error, c) => {
      caught = error;
      return c.text("error", 500);
    });
    app.get("/ws", drainWebSocket(runtime.upgradeWebSocket)(() => ({})));
    expect((await app.request("/ws", UPGRADE)).status).toBe(500);
    expect(isDrainError(caught) && caught.code).toBe("ERR_DRAIN_NOT_ATTACHED");
  });
});
