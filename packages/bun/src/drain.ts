import { drainError } from "@drain/core";
import { assertOptionsObject, createCloseGate, createEngine, exposeEngine, type DrainOptions, type Engine, type SseOptions } from "@drain/engine";
import { createBunBinding, type ServerSlot } from "./binding.ts";
import type { BunServeOptionsLike, BunServerLike } from "./bun-types.ts";
import { createCompletionWatcher } from "./completion.ts";
import { createRequestTracking } from "./requests.ts";
import { wrapRoutes } from "./routes.ts";
import { assertBun } from "./runtime.ts";
import { wrapWebSocketHandlers } from "./websockets.ts";

/** A drain bound to one `Bun.serve` server: the {@link Engine} plus the two calls that connect it. */
export interface BunDrain extends Engine {
  /**
   * Wrap the options before `Bun.serve`: `fetch` and `routes` handlers get request tracking and
   * `Connection: close` during the drain, `websocket` handlers get 1001 on drain. Other options pass through.
   */
  wrap<O extends BunServeOptionsLike>(options: O): O;
  /** Hand over the server `Bun.serve` returned, so drain can stop it. Call it once, right after `Bun.serve`. */
  attach(server: BunServerLike): void;
  /** The attached server (`undefined` until `attach` or the first request). */
  readonly bun: { readonly server: BunServerLike } | undefined;
}

/**
 * Graceful shutdown for `Bun.serve`. On SIGTERM/SIGINT: readiness fails, the listener closes, in-flight
 * requests finish with `Connection: close`, SSE streams get a last `retry:` frame, WebSockets get 1001,
 * and whatever is left at `timeoutMs` is forced with `server.stop(true)`.
 *
 * @example
 * ```ts
 * import { drain } from "@drain/bun";
 *
 * const d = drain({ timeoutMs: 10_000 });
 * const server = Bun.serve(d.wrap({
 *   port: 3000,
 *   fetch(req, server) {
 *     if (new URL(req.url).pathname === "/ws") return server.upgrade(req) ? undefined : new Response("no", { status: 400 });
 *     return new Response("hello");
 *   },
 *   websocket: { message(ws, message) { ws.send(message); } },
 * }));
 * d.attach(server);
 * d.onShutdown("db", () => pool.end());
 * ```
 */
export function drain(options: DrainOptions = {}): BunDrain {
  assertBun();
  assertOptionsObject(options);
  let server: BunServerLike | undefined;
  let wrapped = false;
  let disposed = false;
  const waiting: ((server: BunServerLike) => void)[] = [];
  const adopt = (candidate: BunServerLike): void => {
    if (server !== undefined) return;
    server = candidate;
    for (const action of waiting.splice(0)) action(candidate);
  };
  const slot: ServerSlot = {
    current: () => server,
    whenKnown(action) {
      if (server !== undefined) action(server);
      else waiting.push(action);
    },
  };

  // While serving, response ends are looked for once per sweep (the engine exists by the first request).
  const watcher = createCompletionWatcher(() => engine.track.serving);
  const gate = createCloseGate({ keepAliveGraceMs: options.keepAliveGraceMs });
  const closing = new Set<number>();
  const binding = createBunBinding(slot, { closing, gate, watcher, connectionOf: (request) => tracking.idOf(request), settle: () => tracking.settle(), dispose: () => watcher.dispose() });
  const engine = createEngine({ ...options, env: options.env ?? process.env }, binding);
  const tracking = createRequestTracking(engine.track, watcher, gate, closing);

  const notDisposed = (): void => {
    if (disposed) throw drainError("ERR_DRAIN_DISPOSED", "This drain was disposed; create a new one with drain().");
  };

  return exposeEngine(engine, {
    dispose(): void {
      disposed = true;
      engine.dispose();
    },
    wrap<O extends BunServeOptionsLike>(serveOptions: O): O {
      notDisposed();
      if (serveOptions === null || typeof serveOptions !== "object") {
        throw drainError("ERR_DRAIN_INVALID_OPTION", "wrap() takes the options object you pass to Bun.serve ({ port, fetch, websocket }).");
      }
      wrapped = true;
      const result: BunServeOptionsLike = { ...serveOptions };
      if (typeof serveOptions.fetch === "function") result.fetch = tracking.wrapHandler(serveOptions.fetch, adopt);
      if (serveOptions.routes !== undefined) {
        result.routes = wrapRoutes(serveOptions.routes, (handler) => tracking.wrapHandler(handler, adopt));
      }
      if (serveOptions.websocket !== undefined) result.websocket = wrapWebSocketHandlers(engine, serveOptions.websocket);
      return result as O;
    },
    attach(candidate: BunServerLike): void {
      notDisposed();
      if (candidate === null || typeof candidate !== "object" || typeof candidate.stop !== "function") {
        throw drainError("ERR_DRAIN_INVALID_OPTION", "attach() takes the server Bun.serve() returned.");
      }
      if (server !== undefined && candidate !== server) {
        throw drainError(
          "ERR_DRAIN_ALREADY_ATTACHED",
          "This drain is already attached to another Bun server. Create one drain() per Bun.serve call.",
        );
      }
      if (!wrapped) {
        // Without the wrapper drain sees no requests, would call the server drained at once and exit under them.
        throw drainError(
          "ERR_DRAIN_NOT_ATTACHED",
          "No options were wrapped: pass the Bun.serve options through d.wrap() first, then attach the server.",
        );
      }
      adopt(candidate);
    },
    sse(start: Parameters<Engine["sse"]>[0], sseOptions?: SseOptions): Response {
      const response = engine.sse(start, sseOptions);
      tracking.eventStream(response, sseOptions?.request, server);
      return response;
    },
    get bun() {
      return server === undefined ? undefined : { server };
    },
  });
}
