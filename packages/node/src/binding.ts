import process from "node:process";
import type { Capabilities } from "@drain/core";
import type { RuntimeBinding } from "@drain/engine";
import { createCommandRunner } from "./commands.ts";
import { onCrash } from "./crash-events.ts";
import type { AdapterContext } from "./context.ts";
import { serveControl } from "./control-listener.ts";
import { activeResources, describeConnection } from "./describe.ts";
import { connectionOfRequest } from "./http1.ts";
import { notifySupervisor } from "./systemd-notify.ts";
import type { DrainableServer } from "./types.ts";

/** Everything Node lets this adapter do: it sees and controls each socket and session (docs/runtime-facts.md). */
export const NODE_CAPABILITIES: Capabilities = Object.freeze({
  closeConnection: true,
  forceConnection: true,
  seesNeverUsed: true,
  goaway: true,
  connectionClose: true,
  // The listener closes after the current poll phase (see stopAccepting) and says so.
  reportsListenerClosed: true,
});

/**
 * The engine's view of Node: commands act on the sockets and sessions in the context's table, signals and exit go
 * through `process`, and the tracker reaches the context when the engine starts.
 *
 * @example
 * ```ts
 * const engine = createEngine(options, createNodeBinding(server, context, () => attached.delete(server)));
 * ```
 */
export function createNodeBinding(server: DrainableServer, context: AdapterContext, detach: () => void): RuntimeBinding {
  context.run = createCommandRunner(context, () => stopAcceptingWhenQuiet(server, context));
  return {
    runtime: "node",
    pid: process.pid,
    capabilities: NODE_CAPABILITIES,
    execute: (command) => context.run(command),
    onSignal(signal, listener) {
      process.on(signal, listener);
      return context.listeners.add(() => process.off(signal, listener));
    },
    onCrash(listener) {
      return context.listeners.add(onCrash(listener));
    },
    exit(code) {
      process.exit(code);
    },
    start(track) {
      context.track = track;
    },
    settle: (next) => context.serving.settle(next),
    finish() {
      context.gate.now();
      // Nothing tracked should remain; anything that does would keep the process (or a test) alive.
      for (const connection of context.table.all()) context.run({ type: "destroy", id: connection.id, why: "deadline" });
    },
    serveControl,
    notifySupervisor,
    connectionOf: (request) => connectionOfRequest(context, request),
    describe: (id) => describeConnection(context, id),
    activeResources,
    dispose() {
      context.disposed = true;
      context.serving.stop();
      context.table.unlinkAll();
      context.gate.now();
      context.listeners.clear();
      detach();
    },
  };
}

/**
 * Close the listener at a moment no client is connecting, as on Bun and Deno (the engine's `CloseGate`). During a
 * drain every HTTP/1 response says `Connection: close`, so busy clients reconnect after each response, and closing
 * the listener resets the connections the kernel accepted that Node has not taken yet (16 undici keep-alive loops
 * against the conformance fixture: a request written and then reset in about one run in 25 on a loaded machine).
 * Node cannot hold a response the way the gate does on Bun and Deno (`res.end()` fully uncorks its socket), so from
 * `stop-accepting` until the listener has closed an HTTP/1 request waits before it reaches the app (`attach.ts`):
 * a client waiting for its answer opens no new connection. Requests, accepted connections and closed ones restart
 * the gate's quiet period; once it passes, the listener closes (after the accept queue is taken), and the waiting
 * requests go on, answered with `Connection: close`; their clients' next connection is refused, safe to retry.
 */
function stopAcceptingWhenQuiet(server: DrainableServer, context: AdapterContext): void {
  context.gate.close(
    () =>
      new Promise<void>((closed) =>
        stopAccepting(server, () => {
          context.tracker()?.listenerClosed();
          closed();
        }),
      ),
  );
}

/** Enough loop turns for a full default accept backlog (511), with room to spare. */
const MAX_BACKLOG_TURNS = 2048;

/**
 * Connections whose handshake the kernel already completed wait in the accept backlog, and closing the listener
 * resets every one of them: clients that just connected and sent a request would see ECONNRESET. Node takes one
 * connection from the backlog per event-loop turn (measured on Node 20 and 24), so the listener stays open while
 * each turn still brings a new connection, and closes after the first turn that brings none. The connections
 * taken meanwhile are drained like any other (served with `Connection: close`, or closed after the grace).
 */
function stopAccepting(server: DrainableServer, closed: () => void): void {
  let accepted = 0;
  const count = (): void => {
    accepted++;
  };
  server.on("connection", count);
  let seen = -1;
  let turns = 0;
  const check = (): void => {
    if (accepted !== seen && turns++ < MAX_BACKLOG_TURNS) {
      seen = accepted;
      setImmediate(check);
      return;
    }
    server.off("connection", count);
    closeListener(server);
    closed();
  };
  setImmediate(check);
}

/**
 * Close the listener without Node's built-in sweep of idle keep-alive sockets: the core closes those itself,
 * after `keepAliveGraceMs`, so a client that is just sending its next request on one is answered instead of cut.
 * `server.close()` is still the call made (it also stops Node's header-timeout timer and, on Node 24, closes HTTP/2
 * sessions gracefully); only the sweep it starts with is skipped for this one call.
 */
function closeListener(server: DrainableServer): void {
  if (!server.listening) return;
  const target = server as unknown as Record<string, unknown>;
  const own = Object.getOwnPropertyDescriptor(target, "closeIdleConnections");
  target["closeIdleConnections"] = () => undefined;
  try {
    server.close();
  } finally {
    if (own === undefined) delete target["closeIdleConnections"];
    else Object.defineProperty(target, "closeIdleConnections", own);
  }
}
