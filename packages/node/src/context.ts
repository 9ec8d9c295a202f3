import type { Socket } from "node:net";
import type { Id } from "@drain/core";
import type { ConnectionCommand, Tracker } from "@drain/engine";
import { ConnectionTable, type Connection } from "./connections.ts";
import { Listeners } from "./listeners.ts";

/**
 * What the event handlers and the command runner share: the connection table, the engine's tracker and
 * the listener registry. `track` is filled in once the engine exists (the engine needs the binding first).
 */
export class AdapterContext {
  readonly table: ConnectionTable = new ConnectionTable();
  readonly listeners: Listeners = new Listeners();
  track: Tracker | undefined;
  disposed = false;
  /** Runs one connection command; set by the command runner. */
  run: (command: ConnectionCommand) => void = () => undefined;
  /**
   * Commands the engine issued while `open()` was still waiting for its id (the core may answer an
   * `open` during the drain with `close` at once). They are replayed as soon as the connection exists.
   */
  #early: ConnectionCommand[] | undefined;

  /** The tracker, or undefined after `dispose()`; every handler bails out on undefined. */
  tracker(): Tracker | undefined {
    return this.disposed ? undefined : this.track;
  }

  /** Track a newly seen socket (or replace the id of one that turned into an HTTP/2 session). */
  open(raw: Socket, kind: "http1" | "http2", init?: (connection: Connection) => void): Connection | undefined {
    const track = this.tracker();
    if (track === undefined) return undefined;
    const id = this.#withEarlyCommands(
      () => track.open(kind),
      (newId) => {
        const connection = this.table.create(raw, kind, newId);
        init?.(connection);
      },
    );
    return this.table.byId(id);
  }

  /** Re-open `connection` under a new kind: an accepted socket whose ALPN or preface made it an HTTP/2 session. */
  reopen(connection: Connection, kind: "http1" | "http2", init?: (connection: Connection) => void): void {
    const track = this.tracker();
    if (track === undefined) return;
    track.closed(connection.id);
    connection.kind = kind;
    this.#withEarlyCommands(
      () => track.open(kind),
      (newId) => {
        this.table.rekey(connection, newId);
        init?.(connection);
      },
    );
  }

  /** The connection is gone for good: tell the engine once. */
  gone(connection: Connection): void {
    if (connection.gone) return;
    this.table.remove(connection);
    this.tracker()?.closed(connection.id);
  }

  /** Called by the command runner for an id it does not know. Returns true when the command was kept for later. */
  keepEarly(command: ConnectionCommand): boolean {
    if (this.#early === undefined) return false;
    this.#early.push(command);
    return true;
  }

  #withEarlyCommands(open: () => Id, register: (id: Id) => void): Id {
    const outer = this.#early;
    const early: ConnectionCommand[] = [];
    this.#early = early;
    let id: Id;
    try {
      id = open();
    } finally {
      this.#early = outer;
    }
    // `register` completes the connection (its session, for HTTP/2) before any early command acts on it.
    register(id);
    for (const command of early) {
      if ("id" in command && command.id !== id) continue;
      this.run(command);
    }
    return id;
  }
}
