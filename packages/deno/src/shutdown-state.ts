import type { Id } from "@drain/core";
import { createCloseGate, type CloseGate, type Tracker } from "@drain/engine";
import type { HttpServer, ServeHandlerInfo } from "./deno-api.ts";

/** The adapter's mutable side, shared by the binding, the handler wrapper, the WebSocket hold and `attach()`. */
export interface DenoState {
  server: HttpServer | undefined;
  /** The core asked to stop accepting; if no server is attached yet, `attach()` does it. */
  stopRequested: boolean;
  shutdown: Promise<void> | undefined;
  readonly closing: Set<Id>;
  /** Registered WebSockets neither closed nor given up on by the engine; `shutdown()` waits for them. */
  readonly sockets: Set<object>;
  /**
   * Requests whose handler was called and whose response Deno has not finished sending, with their handler's
   * `info` (kept as it is: its `remoteAddr` is read only when a forced request is described, see describe.ts).
   */
  readonly inflight: Map<Request, ServeHandlerInfo | undefined>;
  /**
   * The in-flight requests `shutdown()` would cut (see {@link cutByShutdown}); `shutdown()` waits for them.
   * Filled from `stop-accepting` on; before that nobody asks.
   */
  atRisk: Set<Request> | undefined;
  /** Picks the moment for `shutdown()`, so no client is between connecting and being read (see `CloseGate`). */
  readonly gate: CloseGate;
  disposed: boolean;
  /**
   * The core is serving and the drain is attached: what a request checks first, one field instead of the
   * tracker's `serving` getter and `disposed` (the handler wrapper's fast path, see `trackHandler`). Cleared by
   * {@link handInFlight} right after the step that ends serving, and by `dispose()`.
   */
  servingOnly: boolean;
  /** Tells the engine the listener is closed (the binding wires it to the tracker when the engine starts). */
  listenerClosed: () => void;
  /**
   * The request whose handler is running, and its id: the binding's `connectionOf` answers for it without a
   * WeakMap entry per request. An async handler's request is bound (`track.bind`) when it returns its promise.
   * `handed`: the core was handed it while its handler ran (see {@link handInFlight}).
   */
  readonly running: RunningRequest;
  /**
   * Requests begun while serving that the core has not been handed: while serving a request costs the core nothing,
   * and the binding's `settle` hands it those still in flight (see {@link handInFlight}).
   */
  readonly held: Set<Id>;
}

/** The request whose handler is running (see `DenoState.running`). */
export interface RunningRequest {
  request: Request | undefined;
  info: ServeHandlerInfo | undefined;
  id: Id;
  handed: boolean;
}

/** A fresh adapter state. */
export function denoState(gate: CloseGate = createCloseGate()): DenoState {
  return {
    server: undefined,
    stopRequested: false,
    shutdown: undefined,
    closing: new Set(),
    sockets: new Set(),
    inflight: new Map(),
    atRisk: undefined,
    gate,
    disposed: false,
    servingOnly: true,
    listenerClosed: () => {},
    running: { request: undefined, info: undefined, id: 0, handed: false },
    held: new Set(),
  };
}

/**
 * Whether `server.shutdown()` would cut `request` in flight. Measured on Deno 2.9.6: it makes the read of a request
 * body still arriving fail at once (`BadResource`, so the handler answers 500), and it cancels every HTTP/2 stream
 * in flight (`RST_STREAM CANCEL`, no response), streamed bodies included; an HTTP/1.1 response in flight, streamed
 * or not, is sent in full. A request with a body counts until its response is sent (its body may still be
 * arriving), and so does every HTTP/2 request: Deno gives HTTP/2 requests no `host` header (the authority is in the
 * URL), which an HTTP/1.1 request always has. An HTTP/1.0 request without `host` is held too, which costs nothing.
 */
export function cutByShutdown(request: Request): boolean {
  return request.body !== null || !request.headers.has("host");
}

/**
 * The binding's `settle` (before any input is stepped while serving, and right after the step that ends serving):
 * hand the core the requests still in flight that it has not been handed, so it acts on the whole picture.
 */
export function handInFlight(state: DenoState, track: Tracker | undefined): void {
  if (track === undefined) return;
  if (!track.serving) {
    state.servingOnly = false;
    return;
  }
  // The request whose handler is running now (it starts the shutdown, opens a stream, asks for counts) is in
  // flight too, though it is held only if it outlives its handler's return; the handler follows it from here.
  const running = state.running;
  if (running.request !== undefined && !running.handed && !state.held.has(running.id)) {
    running.handed = true;
    // In the picture `server.shutdown()` is timed by too: an upload or HTTP/2 request must not be cut.
    requestStarted(state, running.request, running.info);
    track.inFlight(running.id);
  }
  if (state.held.size === 0) return;
  // A request the core no longer takes (its loop stopped) is dropped: its end is fed and ignored.
  for (const id of state.held) track.inFlight(id);
  state.held.clear();
}

/** A request began: while the drain waits to call `shutdown()`, one it would cut makes it wait longer. */
export function requestStarted(state: DenoState, request: Request, info?: ServeHandlerInfo): void {
  state.inflight.set(request, info);
  if (state.atRisk !== undefined && state.shutdown === undefined && cutByShutdown(request)) state.atRisk.add(request);
}

/** A request's response is sent (or could not be): `shutdown()` may be due. */
export function requestEnded(state: DenoState, request: Request): void {
  state.inflight.delete(request);
  if (state.atRisk?.delete(request) === true) startShutdown(state);
}

/**
 * Call `server.shutdown()` once, when a server is attached, the core asked to stop accepting, and nothing is left
 * that it would cut:
 *
 * - no registered WebSocket. Measured on Deno 2.9.6, `shutdown()` cuts (FIN) every WebSocket still in its close
 *   handshake and sends its own 1001 "Server shutting down" to the others, all at once; waiting keeps drain's
 *   reason, the lame-duck spread and `wsCloseTimeoutMs` intact. The engine gives up on each socket at
 *   `wsCloseTimeoutMs` after its 1001, and at the deadline.
 * - no request {@link cutByShutdown}: an upload still arriving, an HTTP/2 stream. Until they are sent the listener
 *   stays open and every response says `Connection: close`; at the deadline the process exit ends them.
 *
 * Then the {@link CloseGate} picks the moment: it holds new responses until no request has arrived for a moment,
 * so no client has a connection accepted but not yet read when `shutdown()` closes it.
 */
export function startShutdown(state: DenoState): void {
  const server = state.server;
  if (server === undefined || !state.stopRequested || state.shutdown !== undefined || state.sockets.size > 0) return;
  if (state.atRisk === undefined) state.atRisk = new Set([...state.inflight.keys()].filter(cutByShutdown));
  if (state.atRisk.size > 0) return;
  state.gate.close(() => {
    // An upload, an HTTP/2 request or a WebSocket that arrived while the gate waited: wait for it first.
    if (state.shutdown !== undefined || state.sockets.size > 0 || (state.atRisk?.size ?? 0) > 0) return false;
    // Rejects only when the app already closed the server itself: the listener is gone either way.
    state.shutdown = server.shutdown().catch(() => undefined);
    // shutdown() closes the listener at once; the rest of it (in-flight responses) is what the core tracks.
    state.listenerClosed();
    return true;
  });
}
