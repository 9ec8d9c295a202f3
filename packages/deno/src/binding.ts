import type { Capabilities, Id } from "@drain/core";
import type { ConnectionCommand, RuntimeBinding } from "@drain/engine";
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

/** The adapter's mutable side, shared by the binding, the handler wrapper, the WebSocket hold and `attach()`. */
export interface DenoState {
  server: HttpServer | undefined;
  /** The core asked to stop accepting; if no server is attached yet, `attach()` does it. */
  stopRequested: boolean;
  shutdown: Promise<void> | undefined;
  readonly closing: Set<Id>;
  /** Registered WebSockets neither closed nor given up on by the engine; `shutdown()` waits for them. */
  readonly sockets: Set<object>;
  disposed: boolean;
  /** Tells the engine the listener is closed (wired to `engine.track.listenerClosed` once the engine exists). */
  listenerClosed: () => void;
}

/** A fresh adapter state. */
export function denoState(): DenoState {
  return { server: undefined, stopRequested: false, shutdown: undefined, closing: new Set(), sockets: new Set(), disposed: false, listenerClosed: () => {} };
}

/**
 * Call `server.shutdown()` once, when a server is attached, the core asked to stop accepting and no
 * registered WebSocket is left. Measured on Deno 2.9.6, `shutdown()` cuts (FIN) every WebSocket still in
 * its close handshake and sends its own 1001 "Server shutting down" to the others, all at once; waiting
 * keeps drain's reason, the lame-duck spread and `wsCloseTimeoutMs` intact. The wait is bounded: the engine
 * gives up on each socket at `wsCloseTimeoutMs` after its 1001, and at the deadline.
 */
export function startShutdown(state: DenoState): void {
  const server = state.server;
  if (server === undefined || !state.stopRequested || state.shutdown !== undefined || state.sockets.size > 0) return;
  // Rejects only when the app already closed the server itself: the listener is gone either way.
  state.shutdown = server.shutdown().catch(() => undefined);
  // shutdown() closes the listener at once; the rest of it (in-flight responses) is what the core tracks.
  state.listenerClosed();
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
    dispose(): void {
      // Wrapped handlers keep serving, untracked: the server outlives its drain.
      state.disposed = true;
      state.closing.clear();
      state.sockets.clear();
    },
  };
}
