import type { Capabilities, Id } from "@drain/core";
import { createCloseGate, type CloseGate, type ConnectionCommand, type RuntimeBinding } from "@drain/engine";
import { serveControl } from "./control-listener.ts";
import { notifySupervisor } from "./systemd-notify.ts";
import type { DenoApi, HttpServer } from "./deno-api.ts";

/**
 * What Deno lets an adapter do (measured on 2.9.6). `Deno.serve` hands out no connection objects,
 * so nothing is closed or destroyed one by one: `shutdown()` closes idle and preconnected
 * connections itself, and the only force after it is the process exit.
 */
export const DENO_CAPABILITIES: Capabilities = {
  closeConnection: false,
  forceConnection: false,
  seesNeverUsed: false,
  goaway: false,
  connectionClose: true,
  // shutdown() may wait for drain's own WebSocket closes (see startShutdown); the adapter says when it ran.
  reportsListenerClosed: true,
};

/** The longest a clean drain waits, before the exit, for `shutdown()` to have closed every connection. */
export const FLUSH_MS = 1000;

/** The adapter's mutable side, shared by the binding, the handler wrapper, the WebSocket hold and `attach()`. */
export interface DenoState {
  server: HttpServer | undefined;
  /** The core asked to stop accepting; if no server is attached yet, `attach()` does it. */
  stopRequested: boolean;
  shutdown: Promise<void> | undefined;
  readonly closing: Set<Id>;
  /** Registered WebSockets neither closed nor given up on by the engine; `shutdown()` waits for them. */
  readonly sockets: Set<object>;
  /** Requests whose handler was called and whose response Deno has not finished sending. */
  readonly inflight: Set<Request>;
  /**
   * The in-flight requests `shutdown()` would cut (see {@link cutByShutdown}); `shutdown()` waits for them.
   * Filled from `stop-accepting` on; before that nobody asks.
   */
  atRisk: Set<Request> | undefined;
  /** Picks the moment for `shutdown()`, so no client is between connecting and being read (see `CloseGate`). */
  readonly gate: CloseGate;
  disposed: boolean;
  /** Tells the engine the listener is closed (wired to `engine.track.listenerClosed` once the engine exists). */
  listenerClosed: () => void;
}

/** A fresh adapter state. */
export function denoState(gate: CloseGate = createCloseGate()): DenoState {
  return {
    server: undefined,
    stopRequested: false,
    shutdown: undefined,
    closing: new Set(),
    sockets: new Set(),
    inflight: new Set(),
    atRisk: undefined,
    gate,
    disposed: false,
    listenerClosed: () => {},
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

/** A request began: while the drain waits to call `shutdown()`, one it would cut makes it wait longer. */
export function requestStarted(state: DenoState, request: Request): void {
  state.inflight.add(request);
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
  if (state.atRisk === undefined) state.atRisk = new Set([...state.inflight].filter(cutByShutdown));
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

/**
 * The engine's view of Deno: signals through `Deno.addSignalListener`, exit through `Deno.exit`,
 * and connection commands carried out with `server.shutdown()`.
 *
 * @example
 * ```ts
 * const engine = createEngine(options, denoBinding(Deno, denoState()));
 * ```
 */
export function denoBinding(deno: DenoApi, state: DenoState): RuntimeBinding {
  return {
    runtime: "deno",
    pid: deno.pid,
    capabilities: DENO_CAPABILITIES,
    execute(command: ConnectionCommand): void {
      switch (command.type) {
        case "stop-accepting":
          state.stopRequested = true;
          startShutdown(state);
          return;
        case "mark-closing":
          state.closing.add(command.id);
          return;
        case "force-remaining":
          // Held responses go now; what shutdown() would have cut ends with the process exit.
          state.gate.cancel();
          // Never abort the serve signal here: once shutdown() runs that throws BadResource from an
          // abort listener and kills the process with code 1. The engine has already errored the
          // streams it owns; the handlers still running end with the engine's exit (Deno.exit).
          return;
        case "close":
        case "destroy":
        case "goaway":
          throw new Error(
            `@drain/deno cannot ${command.type} one connection (id ${command.id}): Deno.serve exposes no connection handles. ` +
              "This is a bug in drain's planning; please report it.",
          );
      }
    },
    onSignal(signal, listener): () => void {
      deno.addSignalListener(signal, listener);
      return () => deno.removeSignalListener(signal, listener);
    },
    exit(code: number): void {
      deno.exit(code);
    },
    serveControl,
    notifySupervisor,
    async finish(report): Promise<void> {
      // `info.completed` settles once Deno has taken the whole response, not once its bytes are on the socket:
      // measured on 2.9.6 on a loaded machine, exiting right after the last one ended 16 connections with a FIN
      // and no byte of their response. shutdown() settles once every connection is closed, so wait for it, for a
      // bounded time (something forced may never let it settle, so only a clean drain waits).
      const shutdown = state.shutdown;
      if (shutdown === undefined || !report.clean) return;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([shutdown, new Promise<void>((resolve) => (timer = setTimeout(resolve, FLUSH_MS)))]);
      clearTimeout(timer);
    },
    dispose(): void {
      // Wrapped handlers keep serving, untracked: the server outlives its drain.
      state.disposed = true;
      state.gate.cancel();
      state.closing.clear();
      state.sockets.clear();
      state.inflight.clear();
      state.atRisk?.clear();
    },
  };
}
