import { drainError } from "@drain/core";
import type { Engine } from "@drain/engine";
import type { Context, MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import { markConnectionClose } from "./connection-close.ts";
import { requestOf, setRetryAfterSeconds } from "./context.ts";
import { resolveSettings, type MiddlewareSettings } from "./options.ts";
import type { DrainEnv, DrainMiddlewareOptions, EngineSource } from "./types.ts";
import { isWebSocketUpgrade, refusesUpgrades, upgradeRefused } from "./upgrade.ts";

/**
 * Graceful shutdown for a Hono app, on top of a drain from `@drain/node`, `@drain/bun` or `@drain/deno`.
 *
 * - `GET /ready` and `GET /live` (paths configurable, `false` turns one off): readiness fails from the shutdown
 *   request on, liveness stays 200 until the process exits.
 * - `c.var.drain` is the drain and `c.var.shutdownSignal` its shutdown `AbortSignal`, for every handler.
 * - During the shutdown (notify and drain) HTTP/1.1 responses carry `Connection: close`, and a new WebSocket
 *   upgrade is answered 503 with `Retry-After`. Ordinary requests are served as usual; a new SSE stream from
 *   this package's `streamSSE` gets 200, a `retry:` and a clean end (never a 503).
 *
 * @param source - the drain, or a function returning it (on Node the drain exists only after `serve()` returns).
 * @param options - probe paths and the WebSocket `Retry-After`; invalid ones throw a `DrainError` at once.
 * @returns a Hono middleware; register it first with `app.use(...)`.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { serve } from "@hono/node-server";
 * import { drain } from "@drain/node";
 * import { drainMiddleware, type DrainEnv } from "@drain/hono";
 *
 * let d: ReturnType<typeof drain>;
 * const app = new Hono<DrainEnv>();
 * app.use(drainMiddleware(() => d, { readinessPath: "/healthz/ready", livenessPath: "/healthz/live" }));
 * app.get("/report", async (c) => {
 *   const rows = await db.query("select 1", { signal: c.var.shutdownSignal });
 *   return c.json({ rows, phase: c.var.drain.phase });
 * });
 * d = drain(serve({ fetch: app.fetch, port: 3000 }));
 * ```
 */
export function drainMiddleware(source: EngineSource, options?: DrainMiddlewareOptions): MiddlewareHandler<DrainEnv> {
  const settings = resolveSettings(source, options);
  const engineNow = typeof source === "function" ? source : (): Engine => source;

  return createMiddleware<DrainEnv>(async function drain(c, next) {
    const engine = engineNow();
    if (engine === undefined) {
      throw drainError(
        "ERR_DRAIN_NOT_ATTACHED",
        "drainMiddleware's getter returned no drain: create it (drain(server) / drain(options)) before the server takes requests.",
      );
    }
    const probe = probeAt(c.req.method, c.req.path, engine, c, settings);
    if (probe !== undefined) {
      c.res = probe;
    } else if (isWebSocketUpgrade(c) && refusesUpgrades(engine)) {
      c.res = upgradeRefused(settings.retryAfterSeconds);
      return;
    } else {
      c.set("drain", engine);
      c.set("shutdownSignal", engine.signal);
      setRetryAfterSeconds(c, settings.retryAfterSeconds);
      await next();
    }
    // Checked after the handler: a request that started while serving and ends during the shutdown is told too.
    if (engine.phase !== "serving") markConnectionClose(c);
  });
}

function probeAt(method: string, path: string, engine: Engine, c: Context, settings: MiddlewareSettings): Response | undefined {
  // Hono routes HEAD as GET and drops the body itself.
  if (method !== "GET" && method !== "HEAD") return undefined;
  // The request the adapter tied to its connection, so an adaptive notify does not count the probe as traffic.
  if (path === settings.readinessPath) return engine.readiness(requestOf(engine, c));
  if (path === settings.livenessPath) return engine.liveness(requestOf(engine, c));
  return undefined;
}
