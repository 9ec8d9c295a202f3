import { drainError } from "@drain/core";
import { assertOptionsObject, createCloseGate, createEngine, exposeEngine } from "@drain/engine";
import type { DrainOptions, Engine } from "@drain/engine";
import { denoBinding } from "./binding.ts";
import type { AnyServeHandler, DenoApi, HttpServer, ServeHandler, ServeHandlerInfo, ServeInitLike } from "./deno-api.ts";
import { denoEnv, denoOrThrow } from "./runtime.ts";
import { denoState, requestEnded, requestStarted, startShutdown } from "./shutdown-state.ts";
import { sentOnReturnTest } from "./sent-on-return.ts";
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
 * `sentOnReturn` tells the responses Deno sends as the handler returns them (see `sentOnReturnTest`; tests that
 * run outside Deno hand in their own).
 *
 * @example
 * ```ts
 * const d = createDenoDrain({ timeoutMs: 10_000 }, Deno);
 * ```
 */
export function createDenoDrain(
  options: DrainOptions,
  deno: DenoApi,
  sentOnReturn: ((response: Response) => boolean) | undefined = sentOnReturnTest(),
): DenoDrain {
  assertOptionsObject(options);
  const state = denoState(createCloseGate({ keepAliveGraceMs: options.keepAliveGraceMs }));
  const engine = createEngine({ ...options, env: options.env ?? denoEnv(deno, ENV_KEYS) }, denoBinding(deno, state));
  const tracking = {
    track: engine.track,
    closing: state.closing,
    disposed: () => state.disposed,
    mode: state,
    started: (request: Request, info: ServeHandlerInfo) => requestStarted(state, request, info),
    ended: (request: Request) => requestEnded(state, request),
    gate: state.gate,
    running: state.running,
    held: state.held,
    sentOnReturn,
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

  return exposeEngine(engine, {
    websocket: (socket, socketOptions) => holdWebSocket(engine, state, socket, socketOptions),
    wrap,
    attach,
    get deno() {
      const server = state.server;
      return server === undefined ? undefined : { server };
    },
  } satisfies Partial<DenoDrain>);
}

/**
 * Start drain for one `Deno.serve` server. Wrap the serve options with `wrap()`, hand the server to
 * `attach()`, and SIGTERM/SIGINT now drain it: readiness fails, `shutdown()` stops the listener and
 * closes idle connections, in-flight responses finish with `Connection: close`, SSE streams get a last
 * frame with `retry:`, WebSockets get 1001, hooks run, and the process exits.
 * Throws `ERR_DRAIN_WRONG_RUNTIME` outside Deno, and the option errors of `@drain/core` for bad options.
 *
 * @example
 * ```ts
 * import { drain } from "@drain/deno";
 *
 * const d = drain({ timeoutMs: 10_000 });
 * const server = Deno.serve(d.wrap({
 *   port: 3000,
 *   handler(request) {
 *     const { pathname } = new URL(request.url);
 *     if (pathname === "/ready") return d.readiness();
 *     if (pathname === "/events") return d.sse((stream) => stream.send({ data: "hello" }), { request });
 *     return new Response("ok");
 *   },
 * }));
 * d.attach(server);
 * d.onShutdown("db", () => db.close(), { timeoutMs: 2_000 });
 * ```
 */
export function drain(options: DrainOptions = {}): DenoDrain {
  return createDenoDrain(options, denoOrThrow());
}
