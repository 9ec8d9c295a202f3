import type { ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { readsServed, type Input } from "@drain/core";
import type { Tracker } from "@drain/engine";
import { carriedClose } from "./commands.ts";
import type { Connection, ConnectionTable } from "./connections.ts";

/**
 * How often every HTTP/1 connection is looked at while serving, for one thing only: when it went quiet. A
 * connection idle at the signal gets its keep-alive grace from its last response's end, and drain knows that end
 * only to this much (plus event-loop lag), late, never early: the grace may run up to this much longer, never
 * shorter (a socket no look has recorded yet, see `accept`, up to its age). A look reads two fields of each open
 * connection's socket.
 */
export const LOOK_MS = 250;

/**
 * While serving, an HTTP/1 request costs drain one comparison in the `emit` wrapper (attach.ts) and nothing else:
 * Node hands a request's response the socket at once unless an older response is still being written on it, and a
 * response that has its socket needs nothing from drain until the core asks. Every connection's state is read from
 * Node when the core needs it (`settle` before the shutdown, and before `counts()`), never counted as it goes:
 *
 * - the response Node is writing on the socket (`socket._httpMessage`, see `writingNow`): a request in flight;
 * - whether the client ever sent a byte (`socket.bytesRead`, public): used, or never used;
 * - whether Node ended the socket (after a `Connection: close` response) or it was destroyed (`writable`): closing;
 * - when it went quiet, from the looks every `LOOK_MS`: the keep-alive grace's start.
 *
 * A socket accepted while serving is not even recorded at first (`accept`): on a plain `http.Server` it waits in a
 * Map with the time it was accepted until it has lived past a look, the core reads the connections, or a request
 * needs drain; then it gets its record and its `'close'` listener (one recorded for the shutdown gets the listener
 * a microtask later, see `AdapterContext.finishLater`), and the core takes it with its accept time (the tracker's `adopt`). A
 * connection that comes and goes between two looks costs one Map entry.
 *
 * Only a pipelined request, whose response waits behind an older one, is held as it arrives (`request`): Node
 * keeps the queue to itself, and once the drain starts the response the client reads last must be the one that
 * carries `Connection: close`. After the step that ends serving, every response held then (all those in flight,
 * read just before it) gets a `'close'` listener, and from then on every request and response end is fed to the
 * engine as it happens (`http1.ts`).
 */
export class ServingReader {
  /**
   * Whether an HTTP/1 request may skip drain when Node gave its response the socket (attach.ts): while the core is
   * serving and drain is attached. A plain field: it is read on every request.
   */
  readingOnly = true;
  #timer: ReturnType<typeof setInterval> | undefined = undefined;
  readonly #table: ConnectionTable;
  readonly #tracker: () => Tracker | undefined;
  /** Listen for `response`'s end: the `'close'` handler of `http1.ts`. */
  readonly #listen: (connection: Connection, response: ServerResponse) => void;
  /**
   * Record a socket accepted at `opened` and hand it to the core as it is now (`recordSocket` in http1.ts); `later`
   * (for the shutdown): its link and `'close'` listener come after the shutdown's step (`AdapterContext.finishLater`).
   */
  readonly #adopt: (socket: Socket, opened: number, later: boolean) => void;
  /** Whether accepted sockets wait unrecorded (`accept`): on a plain `http.Server`, whose sockets all carry HTTP/1. */
  readonly #defer: boolean;
  /**
   * Sockets accepted since the last look, and those accepted before it, with when they were accepted: no record,
   * no listener, unknown to the core. A socket is recorded at the second look after it was accepted, not the first:
   * a connection that lives a fraction of a look period (a client opening one per batch of requests) would
   * otherwise be recorded with a chance of its life ÷ `LOOK_MS`, and a recorded one costs its record, its listener
   * and two inputs to the core (recording at the first look took Node 24's per-request overhead in `pnpm bench
   * overhead`, whose connections live about 150 ms, from +0.7 and +1.8 % to +2.5 and +5.9 % in 20-round runs).
   */
  #fresh = new Map<Socket, number>();
  #aging = new Map<Socket, number>();

  constructor(
    table: ConnectionTable,
    tracker: () => Tracker | undefined,
    listen: (connection: Connection, response: ServerResponse) => void,
    adopt: (socket: Socket, opened: number, later: boolean) => void,
    defer: boolean,
  ) {
    this.#table = table;
    this.#tracker = tracker;
    this.#listen = listen;
    this.#adopt = adopt;
    this.#defer = defer;
  }

  /** A connection opened while serving: look at the connections every `LOOK_MS` from now on. */
  opened(): void {
    if (this.#timer !== undefined || !this.readingOnly) return;
    this.#timer = setInterval(() => this.#look(), LOOK_MS);
    this.#timer.unref();
  }

  /**
   * A socket accepted while serving (`'connection'`). On a plain `http.Server` it waits here as it is, and gets its
   * record, its `'close'` listener and its place in the core only once it has lived past a look (or when the core
   * reads the connections, or when a request needs drain: `claim`). So a connection that comes and goes between
   * two looks costs drain one Map entry and a clock read. True when it waits here; false when the caller records it now.
   */
  accept(socket: Socket): boolean {
    const track = this.#tracker();
    if (!this.#defer || !this.readingOnly || track === undefined) return false;
    this.#fresh.set(socket, track.now());
    this.opened();
    return true;
  }

  /** Whether `socket` waits here unrecorded (see `accept`). */
  waits(socket: Socket): boolean {
    return this.#fresh.has(socket) || this.#aging.has(socket);
  }

  /**
   * `socket` is to be recorded by the caller (a request that needs drain, an upgrade): it no longer waits here.
   * Returns when it was accepted, undefined when it was not waiting.
   */
  claim(socket: Socket): number | undefined {
    const accepted = this.#fresh.get(socket) ?? this.#aging.get(socket);
    if (accepted !== undefined) {
      this.#fresh.delete(socket);
      this.#aging.delete(socket);
    }
    return accepted;
  }

  /**
   * A request while serving that the `emit` wrapper did not pass on (a `checkContinue`, a socket adopted at its
   * first request, a pipelined request). Only a pipelined one, whose response Node did not give the socket because
   * an older one is still being written, is held, with the one being written, so every response in flight on the
   * connection is known from here on. One held already (a `checkContinue` handler re-emits it as `request`) is not
   * held twice.
   */
  request(connection: Connection, socket: Socket, response: ServerResponse): void {
    const writing = writingNow(socket);
    const { responses } = connection;
    if (writing === response || responses.has(response)) return;
    dropEnded(connection);
    if (responses.size === 0 && inFlight(writing)) responses.add(writing);
    responses.add(response);
  }

  /**
   * The engine's `settle`. `next` is the input about to be stepped, undefined before `counts()`: while serving,
   * every connection is read for the shutdown and for `counts()` only (the core reads HTTP/1 states for nothing
   * else, see the core's `readsServed`); once serving has ended, the responses in flight are handed over.
   */
  settle(next: Input | undefined): void {
    const track = this.#tracker();
    if (track === undefined) return;
    if (!track.serving) this.#handOver();
    else if (next === undefined || readsServed(next)) {
      // Before the shutdown (not `counts()`): linked and listened to after the step and its commands.
      const later = next !== undefined;
      this.#adoptAll(this.#aging, later);
      this.#adoptAll(this.#fresh, later);
      // The input's own time, never a later clock read: a connection busy "just now" must not look busy after the
      // step that reads it, or its keep-alive grace would end after that step, in a timer tick of its own.
      this.#readAll(track, next === undefined ? track.now() : next.now);
    }
  }

  /** No more looks, and every request goes through drain again (the shutdown started, or dispose). */
  stop(): void {
    this.readingOnly = false;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#fresh.clear();
    this.#aging.clear();
  }

  #look(): void {
    const track = this.#tracker();
    if (track === undefined || !track.serving) return;
    // The sockets that waited since before the last look have lived past one: they get their records now (and
    // this look's reading below). Those accepted since then wait until the next look.
    this.#adoptAll(this.#aging);
    const emptied = this.#aging;
    this.#aging = this.#fresh;
    this.#fresh = emptied;
    const now = track.now();
    this.#table.forEach((connection) => {
      const socket = connection.kind === "http1" ? this.#table.requestSocket(connection) : undefined;
      if (socket !== undefined) look(connection, socket, now);
    });
  }

  /** Record every socket of `waiting` that is still open, and empty it; `later`: see `#adopt`. */
  #adoptAll(waiting: Map<Socket, number>, later = false): void {
    // forEach: no entry array per socket (see the core's `enterDrain`); this runs for thousands at a signal.
    waiting.forEach((opened, socket) => {
      if (!socket.destroyed) this.#adopt(socket, opened, later);
    });
    waiting.clear();
  }

  #readAll(track: Tracker, now: number): void {
    this.#table.forEach((connection) => {
      if (connection.kind !== "http1") return;
      read(connection, this.#table.requestSocket(connection), now);
      track.served(connection.id, connection);
    });
  }

  /** Right after the step that ended serving (the read before it holds every response in flight): listen to them. */
  #handOver(): void {
    if (!this.readingOnly) return;
    this.stop();
    this.#table.forEach((connection) => {
      // Only those with a response in flight: a closure per connection would be thousands made for nothing.
      if (connection.kind === "http1" && connection.responses.size !== 0) this.#listenAll(connection);
    });
  }

  #listenAll(connection: Connection): void {
    connection.responses.forEach((response) => this.#listen(connection, response));
  }
}

/**
 * A look (every `LOOK_MS` while serving, and first thing in every `read`): when nothing is in flight, the
 * connection has been quiet since this look at the latest (since an earlier one, when it read nothing new in
 * between). Returns the response Node is writing on `socket` (`writingNow`), for `read`.
 */
function look(connection: Connection, socket: Socket, now: number): ServerResponse | null | undefined {
  const { responses } = connection;
  if (responses.size !== 0) dropEnded(connection);
  const bytes = socket.bytesRead;
  const read = bytes !== connection.seenBytes;
  connection.seenBytes = bytes;
  const writing = writingNow(socket);
  if (responses.size !== 0 || inFlight(writing)) connection.quietSince = undefined;
  else if (bytes !== 0 && (read || connection.quietSince === undefined)) connection.quietSince = now;
  return writing;
}

/**
 * Read `connection`'s state from Node into its `Served` fields (`state`, `inflight`, `last`), holding the response
 * Node is writing so that it can be followed after the signal. `socket`: its requests' socket (`requestSocket`).
 * It is a look at `now` first: the function every look runs, so at a signal it runs compiled, with its inline
 * caches warm, rather than for the first time over thousands of connections; and the grace's start comes out of
 * the look's own bookkeeping.
 */
function read(connection: Connection, socket: Socket | undefined, now: number): void {
  if (socket === undefined) {
    // A TLS handshake not finished yet: no request can have come.
    connection.state = "never-used";
    connection.inflight = 0;
    return;
  }
  const writing = look(connection, socket, now);
  const { responses } = connection;
  if (responses.size === 0 && inFlight(writing)) responses.add(writing);
  connection.inflight = responses.size;
  // Quiet since a look (this one, when it read something new or found it quiet for the first time): from that
  // look. Busy now: now.
  connection.last = connection.seenBytes === 0 ? Number.NEGATIVE_INFINITY : (connection.quietSince ?? now);
  if (responses.size !== 0) connection.state = "active";
  // Node 20 still names a finished response in the tick it finished, before it ends the socket after a
  // `Connection: close` one; later only the ended socket tells. `writable` is false once it is ended or destroyed:
  // one getter, reading only the socket's writable state (the signal reads thousands of sockets no cache holds).
  else if ((writing !== null && writing !== undefined && carriedClose(writing)) || !socket.writable) connection.state = "closing";
  else connection.state = connection.seenBytes === 0 ? "never-used" : "idle";
}

/**
 * The response Node is writing on `socket` now, null or undefined when none. `_httpMessage` is not public API,
 * but Node's own `closeIdleConnections()` decides by it, http-terminator reads it, and it has meant this since
 * Node 0.x (docs/runtime-facts.md, "Node: which response a socket is writing").
 */
export function writingNow(socket: Socket): ServerResponse | null | undefined {
  return (socket as { _httpMessage?: ServerResponse | null })._httpMessage;
}

function inFlight(response: ServerResponse | null | undefined): response is ServerResponse {
  return response !== null && response !== undefined && !response.writableFinished && !response.destroyed;
}

/** Forget the held responses that finished, oldest first (HTTP/1.1 answers in order). */
function dropEnded(connection: Connection): void {
  const { responses } = connection;
  for (let response = responses.oldest(); response !== undefined && !inFlight(response); response = responses.oldest()) responses.shift();
}
