import type { Capabilities, Id } from "@drain/core";
import type { CloseGate, ConnectionCommand, RuntimeBinding, SignalName, Tracker } from "@drain/engine";
import type { BunServerLike } from "./bun-types.ts";
import type { CompletionWatcher } from "./completion.ts";
import { serveControl } from "./control-listener.ts";
import { onCrash } from "./crash-events.ts";
import { activeResources, describeRequest } from "./describe.ts";
import { notifySupervisor } from "./systemd-notify.ts";

/**
 * What Bun lets an adapter do. No per-connection handle exists, so closing and forcing go through
 * `server.stop()` / `server.stop(true)`, and connections that never sent a request are invisible
 * (Linux even keeps them un-accepted: TCP_DEFER_ACCEPT). `Bun.serve` speaks HTTP/1.1 only: no GOAWAY.
 */
export const BUN_CAPABILITIES: Capabilities = Object.freeze({
  closeConnection: false,
  forceConnection: false,
  seesNeverUsed: false,
  goaway: false,
  connectionClose: true,
  // stop() waits for the close gate's quiet moment (see createBunBinding); the adapter says when it ran.
  reportsListenerClosed: true,
});

/** The server the binding acts on; it may become known after the engine exists. */
export interface ServerSlot {
  current(): BunServerLike | undefined;
  /** Run `action` now if a server is known, else as soon as one is. */
  whenKnown(action: (server: BunServerLike) => void): void;
}

/** What the binding shares with the rest of the adapter. */
export interface BunBindingHooks {
  /** The requests the core marked: their responses say `Connection: close` (see requests.ts). */
  readonly closing: Set<number>;
  /** Holds responses while it waits for the moment to call `stop()`. */
  readonly gate: CloseGate;
  /** The id of a request whose handler is running (see requests.ts `idOf`). */
  connectionOf(request: object): Id | undefined;
  /** The responses being written, for describing a forced request (describe.ts). */
  readonly watcher: CompletionWatcher;
  /** Hand the core the requests the adapter holds while serving (see requests.ts `settle`). */
  settle(): void;
  dispose(): void;
}

/** The engine's view of Bun: commands become `server.stop()` calls, signals and exit go through `process`. */
export function createBunBinding(slot: ServerSlot, hooks: BunBindingHooks): RuntimeBinding {
  let track: Tracker | undefined;
  return {
    runtime: "bun",
    pid: process.pid,
    capabilities: BUN_CAPABILITIES,
    connectionOf: (request) => hooks.connectionOf(request),
    settle: () => hooks.settle(),
    execute(command: ConnectionCommand): void {
      switch (command.type) {
        case "stop-accepting":
          // stop() closes the listener and idle keep-alive connections at once, in-flight ones after their response;
          // the gate calls it when no client is between connecting and being read. Its promise waits for SSE,
          // WebSockets and never-used sockets, so nothing awaits it.
          slot.whenKnown((server) =>
            hooks.gate.close(() => {
              void stop(server, false);
              track?.listenerClosed();
              return true;
            }),
          );
          return;
        case "mark-closing":
          hooks.closing.add(command.id);
          return;
        case "force-remaining":
          hooks.gate.cancel();
          slot.whenKnown((server) => stop(server, true));
          return;
        default:
          // close / goaway / destroy of one connection: never planned for Bun (see BUN_CAPABILITIES).
          return;
      }
    },
    onSignal(signal: SignalName, listener: () => void): () => void {
      process.on(signal, listener);
      return () => {
        process.off(signal, listener);
      };
    },
    onCrash,
    exit(code: number): void {
      process.exit(code);
    },
    start(tracker: Tracker): void {
      track = tracker;
    },
    dispose(): void {
      hooks.gate.cancel();
      hooks.dispose();
    },
    serveControl,
    notifySupervisor,
    describe: (id) => describeRequest(hooks.watcher, id),
    activeResources,
    async finish(): Promise<void> {
      // Sockets that connected but never sent a request are invisible to drain and keep `stop()` pending;
      // the forced stop releases them (a no-op when everything is already closed).
      const server = slot.current();
      if (server !== undefined) await stop(server, true);
    },
  };
}

async function stop(server: BunServerLike, force: boolean): Promise<void> {
  try {
    await server.stop(force);
  } catch {
    // Stopping a server that is already stopped is not an error worth reporting.
  }
}
