import { drainError } from "@drain/core";
import { assertOptionsObject, createCloseGate, createEngine } from "@drain/engine";
import type { DrainOptions, Engine } from "@drain/engine";
import { denoBinding, denoState, requestEnded, requestStarted, startShutdown } from "./binding.ts";
import type { AnyServeHandler, DenoApi, HttpServer, ServeHandler, ServeInitLike } from "./deno-api.ts";
import { denoEnv } from "./runtime.ts";
import { trackHandler } from "./track-handler.ts";
import { holdWebSocket } from "./websocket-hold.ts";

/** Environment variables drain reads for its defaults (only when the app granted `--allow-env` for them). */
const ENV_KEYS: readonly string[] = ["KUBERNETES_SERVICE_HOST", "NOTIFY_SOCKET"];

/** A drain bound to one `Deno.serve` server: the engine, plus the two calls that connect it. */
export interface DenoDrain extends Engine {
  /**
   * Wrap the handler of `Deno.serve` options (or a bare handler) so drain sees every request.
   * Call it before `Deno.serve`; every other option passes through untouched.
   */
  wrap<O extends ServeInitLike>(serveOptions: O): O;
  wrap<H extends ServeHandler>(handler: H): H;
  wrap<H extends AnyServeHandler>(handler: H): H;
  /** Hand over the server `Deno.serve` returned, right after `Deno.serve`: its `shutdown()` becomes the drain. */
  attach(server: HttpServer): void;
  /** The attached server (`undefined` until `attach()`). */
  readonly deno: { readonly server: HttpServer } | undefined;
}

/**
 * Build a {@link DenoDrain} on the given `Deno` namespace (the global one in `drain()`, a stand-in in tests).
 *
 * @example
 * ```ts
 * const d = createDenoDrain({ timeoutMs: 10_000 }, Deno);
 * ```
 */
export function createDenoDrain(options: DrainOptions, deno: DenoApi): DenoDrain {
  assertOptionsObject(options);
  const state = denoState(createCloseGate({ keepAliveGraceMs: options.keepAliveGraceMs }));
  const engine = createEngine({ ...options, env: options.env ?? denoEnv(deno, ENV_KEYS) }, denoBinding(deno, state));
  state.listenerClosed = () => engine.track.listenerClosed();
  const tracking = {
    track: engine.track,
    closing: state.closing,
    disposed: () => state.disposed,
    started: (request: Request) => requestStarted(state, request),
    ended: (request: Request) => requestEnded(state, request),
    gate: state.gate,
  };
  let wrapped = false;

  function wrap<O extends ServeInitLike>(serveOptions: O): O;
  function wrap<H extends ServeHandler>(handler: H): H;
  function wrap<H extends AnyServeHandler>(handler: H): H;
  function wrap(target: ServeInitLike | ServeHandler | AnyServeHandler): ServeInitLike | ServeHandler {
    if (state.disposed) throw drainError("ERR_DRAIN_DISPOSED", "This drain was disposed; create a new one with drain().");
    wrapped = true;
    if (typeof target === "function") return trackHandler(target as ServeHandler, tracking);
    if (target === null || typeof target !== "object" || typeof target.handler !== "function") {
      throw drainError(
        "ERR_DRAIN_INVALID_OPTION",
        "wrap() takes Deno.serve options with a handler ({ port, handler }) or a handler function.",
      );
    }
    const handler = target.handler.bind(target) as ServeHandler;
    return { ...target, handler: trackHandler(handler, tracking) };
  }

  function attach(server: HttpServer): void {
    if (state.disposed) throw drainError("ERR_DRAIN_DISPOSED", "This drain was disposed; create a new one with drain().");
    if (state.server === server) return;
    if (state.server !== undefined) {
      throw drainError("ERR_DRAIN_ALREADY_ATTACHED", "A server is already attached; use one drain() per Deno.serve server.");
    }
    if (server === null || typeof server !== "object" || typeof server.shutdown !== "function") {
      throw drainError("ERR_DRAIN_INVALID_OPTION", "attach() takes the server Deno.serve() returned.");
    }
    if (!wrapped) {
      // Without the wrapper drain sees no requests, would call the server drained at once and exit under them.
      throw drainError(
        "ERR_DRAIN_NOT_ATTACHED",
        "No handler was wrapped: pass the serve options through d.wrap() before Deno.serve(), then attach the server.",
      );
    }
    state.server = server;
    startShutdown(state);
  }

  return {
    get signal() {
      return engine.signal;
    },
    get phase() {
      return engine.phase;
    },
    get stopped() {
      return engine.stopped;
    },
    get track() {
      return engine.track;
    },
    counts: () => engine.counts(),
    msToDeadline: () => engine.msToDeadline(),
    shutdown: (shutdownOptions) => engine.shutdown(shutdownOptions),
    onShutdown: (name, hook, hookOptions) => engine.onShutdown(name, hook, hookOptions),
    on: (event, listener) => engine.on(event, listener),
    readiness: (request) => engine.readiness(request),
    liveness: (request) => engine.liveness(request),
    sse: (start, sseOptions) => engine.sse(start, sseOptions),
    websocket: (socket, socketOptions) => holdWebSocket(engine, state, socket, socketOptions),
    dispose: () => engine.dispose(),
    wrap,
    attach,
    get deno() {
      const server = state.server;
      return server === undefined ? undefined : { server };
    },
  };
}
