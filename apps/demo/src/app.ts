/**
 * The demo app, the same on every runtime: a page (`/`, `/page.js`), a live SSE ticker (`/events`), a WebSocket echo
 * (`/ws`) and drain's readiness and liveness probes (`/ready`, `/live`). Only the entry points (node.ts, bun.ts,
 * deno.ts) differ: they build the server, the drain engine and the runtime's `upgradeWebSocket`.
 */
import { readFileSync } from "node:fs";
import type { Hono } from "hono";
import type { UpgradeWebSocket } from "hono/ws";
import { drainMiddleware, drainWebSocket, streamSSE, type DrainEnv, type EngineSource } from "@drain/hono";
import { firstTick, tickAt, tickTime } from "./ticker.ts";

export interface DemoAppOptions<T, U> {
  /** The drain engine, or a getter for one created after the app (the Node adapter needs the server first). */
  readonly engine: EngineSource;
  /** The runtime's `upgradeWebSocket` (from `hono/bun`, `hono/deno` or `@hono/node-server` 2). */
  readonly upgradeWebSocket: UpgradeWebSocket<T, U>;
  /** Shown on the page, so you can tell the instances apart. */
  readonly runtime: "node" | "bun" | "deno";
  readonly pid: number;
  /** One tick this often. */
  readonly tickMs: number;
}

/** What every tick carries. `resumedFrom` is the `Last-Event-ID` the stream was opened with, so the page can show it. */
export interface TickData {
  readonly tick: number;
  readonly at: string;
  readonly pid: number;
  /** Sent later than its time: a tick the client missed while it was reconnecting. */
  readonly replayed: boolean;
  readonly resumedFrom: string | null;
}

const page = readFileSync(new URL("./page.html", import.meta.url), "utf8");
const script = readFileSync(new URL("./page.js", import.meta.url), "utf8");

/**
 * Add the demo's routes to `app`.
 *
 * @example
 * ```ts
 * const app = new Hono<DrainEnv>();
 * const d = drain({ timeoutMs: 20_000 }); // @drain/bun
 * createDemoApp(app, { engine: d, upgradeWebSocket, runtime: "bun", pid: process.pid, tickMs: 1_000 });
 * ```
 */
export function createDemoApp<T, U>(app: Hono<DrainEnv>, options: DemoAppOptions<T, U>): Hono<DrainEnv> {
  const { pid, tickMs } = options;
  const html = page.replaceAll("{{pid}}", String(pid)).replaceAll("{{runtime}}", options.runtime);

  // Which instance answered: the page shows it next to readiness (the probes are answered by drainMiddleware).
  app.use("/ready", async (c, next) => {
    await next();
    c.res.headers.set("x-demo-pid", String(pid));
  });
  app.use(drainMiddleware(options.engine, { readinessPath: "/ready", livenessPath: "/live" }));

  app.get("/", (c) => c.html(html, 200, { "cache-control": "no-store" }));
  app.get("/page.js", (c) => c.body(script, 200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-store" }));

  app.get("/events", (c) =>
    streamSSE(c, async (stream) => {
      const resumedFrom = stream.lastEventId ?? null;
      let next = firstTick(stream.lastEventId, Date.now(), tickMs);
      while (!stream.aborted) {
        const current = tickAt(Date.now(), tickMs);
        // Catch up first (ticks missed while the client was away), then one tick per tickMs.
        for (; next <= current && !stream.aborted; next += 1) {
          const data: TickData = { tick: next, at: new Date(tickTime(next, tickMs)).toISOString(), pid, replayed: next < current, resumedFrom };
          await stream.writeSSE({ id: String(next), data: JSON.stringify(data) });
        }
        // Ends early when drain ends the stream (after its last frame with retry:).
        await stream.sleep(Math.max(0, tickTime(next, tickMs) - Date.now()));
      }
    }),
  );

  app.get(
    "/ws",
    drainWebSocket(options.upgradeWebSocket)(() => ({
      onOpen(_event, ws) {
        ws.send(JSON.stringify({ hello: options.runtime, pid }));
      },
      onMessage(event, ws) {
        ws.send(JSON.stringify({ echo: String(event.data), pid }));
      },
    })),
  );

  return app;
}
