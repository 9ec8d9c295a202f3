import type { Socket } from "node:net";
import { createCloseGate, type CloseGate, type ConnectionCommand, type Tracker } from "@drain/engine";
import { ConnectionTable, type Connection } from "./connections.ts";
import { Listeners } from "./listeners.ts";
import { listenForEnd, recordSocket } from "./http1.ts";
import { ServingReader } from "./serving.ts";

/**
 * What the event handlers and the command runner share: the connection table, the engine's tracker and
 * the listener registry. `track` arrives through the binding's `start`, when the engine is built.
 */
export class AdapterContext {
  readonly table: ConnectionTable;
  readonly listeners: Listeners = new Listeners();
  track: Tracker | undefined;
  disposed = false;
  /** Reads HTTP/1.1 connections from Node while serving (serving.ts). */
  readonly serving: ServingReader;
  /**
   * From `stop-accepting` until the listener has closed at a quiet moment, HTTP/1 requests wait before they reach
   * the app (see `stopAcceptingWhenQuiet` in binding.ts).
   */
  readonly gate: CloseGate;
  /**
   * The `'close'` listener of every socket drain records (raw and TLS): one function that finds the connection
   * from the socket it runs on, so recording a socket makes no closure and no registry entry (10,000 sockets
   * recorded at once at a signal), and a socket that closes removes nothing. `dispose()` takes it off every
   * socket still recorded.
   */
  readonly socketClosed: (this: Socket) => void;
  /** Records waiting for `finishLater`'s microtask. */
  #unfinished: Connection[] = [];
  /** Runs one connection command; set by the command runner. */
  run: (command: ConnectionCommand) => void = () => undefined;

  /**
   * `keepAliveGraceMs` as the user gave it: it caps how long the gate waits for a quiet moment. `byAddress`: the
   * server may hand over TLS sockets or HTTP/2 sessions, which find their raw socket by address (see `ConnectionTable`).
   * `secure`: its HTTP/1.1 requests arrive on TLS sockets.
   */
  constructor(keepAliveGraceMs?: unknown, byAddress = true, secure = false) {
    this.table = new ConnectionTable(byAddress, secure);
    this.gate = createCloseGate({ keepAliveGraceMs });
    this.serving = new ServingReader(
      this.table,
      () => this.tracker(),
      (connection, response) => listenForEnd(this, connection, response),
      (socket, accepted, later) => void recordSocket(this, socket, accepted, later),
      !byAddress,
    );
    const context = this;
    this.socketClosed = function drainSocketClosed(this: Socket): void {
      const connection = context.table.known(this);
      if (connection !== undefined) context.gone(connection);
    };
    this.listeners.add(() =>
      this.table.forEach((connection) => {
        connection.raw.off("close", this.socketClosed);
        connection.tls?.off("close", this.socketClosed);
      }),
    );
  }

  /** The tracker, or undefined after `dispose()`; every handler bails out on undefined. */
  tracker(): Tracker | undefined {
    return this.disposed ? undefined : this.track;
  }

  /**
   * Track a newly seen socket (or replace the id of one that turned into an HTTP/2 session). `accepted`: when a
   * socket that waited unrecorded while serving was accepted (serving.ts); the core then takes it as of that time
   * without an input (the tracker's `adopt`), which also works from `settle`, just before the shutdown is stepped.
   * `linked` false: `raw` does not find the record until `finishLater` links it (a socket recorded at the signal).
   */
  open(raw: Socket, kind: "http1" | "http2", init?: (connection: Connection) => void, accepted?: number, linked = true): Connection | undefined {
    const track = this.tracker();
    if (track === undefined) return undefined;
    // Registered under its id before the core hears of it: the core may answer the open with a command (`close`
    // during the drain), which must find the connection, session included.
    const id = track.allocate();
    const connection = this.table.create(raw, kind, id, linked);
    init?.(connection);
    this.serving.opened();
    if (accepted === undefined || !track.adopt(id, connection, accepted)) track.opened(id, kind);
    return this.table.byId(id);
  }

  /** Re-open `connection` under a new kind: an accepted socket whose ALPN or preface made it an HTTP/2 session. */
  reopen(connection: Connection, kind: "http1" | "http2", init?: (connection: Connection) => void): void {
    const track = this.tracker();
    if (track === undefined) return;
    track.closed(connection.id);
    connection.kind = kind;
    const id = track.allocate();
    this.table.rekey(connection, id);
    init?.(connection);
    track.opened(id, kind);
  }

  /**
   * Give `connection`, recorded for the shutdown without its link and `'close'` listener (serving.ts), both a
   * microtask from now: after the shutdown's step and its commands (which find records by id), before any socket's
   * `'close'` or request (those come from the event loop). The step closes most such sockets (every idle one, with
   * no keep-alive grace), and a link and a listener each, for thousands at once, would come before the first close
   * for nothing (about a microsecond a socket, and allocation that brings a scavenge nearer).
   */
  finishLater(connection: Connection): void {
    if (this.#unfinished.push(connection) === 1) queueMicrotask(() => this.#finishAll());
  }

  #finishAll(): void {
    const unfinished = this.#unfinished;
    this.#unfinished = [];
    unfinished.forEach((connection) => {
      if (this.disposed || connection.gone) return;
      const { raw } = connection;
      // Closed by the step: gone now, with no listener to tell.
      if (raw.destroyed) this.gone(connection);
      else {
        this.table.link(raw, connection);
        raw.on("close", this.socketClosed);
      }
    });
  }

  /** The connection is gone for good: tell the engine once. */
  gone(connection: Connection): void {
    if (connection.gone) return;
    // Its client may reconnect at once: the listener waits for that (see `stopAcceptingWhenQuiet`).
    this.gate.arrived();
    this.table.remove(connection);
    this.tracker()?.closed(connection.id);
  }
}
