import type { Capabilities } from "@drain/core";
import type { ConnectionCommand, RuntimeBinding, Tracker } from "@drain/engine";
import { serveControl } from "./control-listener.ts";
import { onCrash, type ErrorEventTarget } from "./crash-events.ts";
import { activeResources, describeRequest } from "./describe.ts";
import { notifySupervisor } from "./systemd-notify.ts";
import type { DenoApi } from "./deno-api.ts";
import { handInFlight, startShutdown, type DenoState } from "./shutdown-state.ts";

/**
 * What Deno lets an adapter do (measured on 2.9.6). `Deno.serve` hands out no connection objects,
 * so nothing is closed or destroyed one by one: `shutdown()` closes idle and preconnected
 * connections itself, and the only force after it is the process exit.
 */
export const DENO_CAPABILITIES: Capabilities = Object.freeze({
  closeConnection: false,
  forceConnection: false,
  seesNeverUsed: false,
  goaway: false,
  connectionClose: true,
  // shutdown() may wait for drain's own WebSocket closes (see startShutdown); the adapter says when it ran.
  reportsListenerClosed: true,
});

/** The longest a clean drain waits, before the exit, for `shutdown()` to have closed every connection. */
export const FLUSH_MS = 1000;

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
  let tracker: Tracker | undefined;
  return {
    runtime: "deno",
    pid: deno.pid,
    capabilities: DENO_CAPABILITIES,
    connectionOf: (request) => (request === state.running.request ? state.running.id : undefined),
    settle: () => handInFlight(state, tracker),
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
    onCrash: (listener) => onCrash(globalThis as unknown as ErrorEventTarget, listener),
    exit(code: number): void {
      deno.exit(code);
    },
    start(track: Tracker): void {
      tracker = track;
      state.listenerClosed = () => track.listenerClosed();
    },
    serveControl,
    notifySupervisor,
    describe: (id, request) => describeRequest(state, tracker, id, request),
    activeResources,
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
      state.servingOnly = false;
      state.gate.cancel();
      state.closing.clear();
      state.sockets.clear();
      state.inflight.clear();
      state.held.clear();
      state.atRisk?.clear();
    },
  };
}
