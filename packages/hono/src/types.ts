import type { Engine } from "@drain/engine";

/** The variables `drainMiddleware` sets on every request it passes on (read them as `c.var.drain`, `c.var.shutdownSignal`). */
export interface DrainVariables {
  /** The running drain: `phase`, `counts()`, `msToDeadline()`, `signal`, `onShutdown()`, … */
  drain: Engine;
  /** Aborts when the drain starts (and at once on an immediate stop): hand it to `fetch`, queries and long jobs. */
  shutdownSignal: AbortSignal;
}

/**
 * The Hono `Env` of an app that uses `drainMiddleware`: `new Hono<DrainEnv>()` types `c.var.drain` and
 * `c.var.shutdownSignal`. Combine with your own: `new Hono<DrainEnv & { Bindings: MyBindings }>()`.
 *
 * @example
 * ```ts
 * const app = new Hono<DrainEnv>();
 * app.use(drainMiddleware(() => d));
 * app.get("/job", (c) => c.json(runJob({ signal: c.var.shutdownSignal, phase: c.var.drain.phase })));
 * ```
 */
export interface DrainEnv {
  Variables: DrainVariables;
}

/** The engine, or a function that returns it (on Node the server, and so the drain, exists only after `serve()`). */
export type EngineSource = Engine | (() => Engine | undefined);

/** Options of `drainMiddleware`. */
export interface DrainMiddlewareOptions {
  /** Path of the readiness probe (200 while serving, 503 from the shutdown request on). `false` turns it off. Default `"/ready"`. */
  readonly readinessPath?: string | false;
  /** Path of the liveness probe (200 until the process exits). `false` turns it off. Default `"/live"`. */
  readonly livenessPath?: string | false;
  /**
   * `Retry-After` (whole seconds) on the 503 that answers a WebSocket upgrade during the shutdown. Default 1:
   * the client's next attempt goes through the load balancer, which by then routes to another instance.
   */
  readonly retryAfterSeconds?: number;
}
