import type { ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { countRequest, countResponseEnd } from "@drain/core";
import type { Tracker } from "@drain/engine";
import { carriedClose } from "./commands.ts";
import type { Connection } from "./connections.ts";

/**
 * How often, at most, the response ends of recent requests are looked at while serving. A response end counts as
 * happening at the sweep that finds it, up to this much (plus event-loop lag) after the fact, never before: the
 * keep-alive grace of a connection idle at the signal can only run that much longer, never shorter.
 */
export const SWEEP_MS = 20;

/**
 * While serving, an HTTP/1 request costs one count on its connection's record (a `Served`): no input, no
 * clock read, no listener, and no reference to its response. Node itself knows which response it is writing on a
 * socket (`socket._httpMessage`, see `writingNow`), so a sweep that runs `SWEEP_MS` after a request turns up, and
 * before the engine steps any input (`settle`), asks the socket: nothing being written means every response
 * counted there has ended. The sweep hands each touched record to the core (`track.served`), so the core has the
 * whole picture before it acts on anything. A response still in flight at a sweep is taken from the socket and
 * followed as a pipelined one is (`Connection.responses`); one still in flight at the next sweep too (a slow one, a
 * stream) gets a `'close'` listener, so it is not looked at again and again.
 *
 * When the shutdown starts, the responses still in flight get that listener too, and from then on every request
 * and response end is fed to the engine as it happens (`http1.ts`).
 */
export class ServingCounter {
  /** Connections with requests or response ends the core has not been handed yet. */
  #dirty: Connection[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined = undefined;
  readonly #tracker: () => Tracker | undefined;
  /** Listen for `response`'s end: the `'close'` handler of `http1.ts`, which asks this counter while serving. */
  readonly #listen: (connection: Connection, response: ServerResponse) => void;

  constructor(tracker: () => Tracker | undefined, listen: (connection: Connection, response: ServerResponse) => void) {
    this.#tracker = tracker;
    this.#listen = listen;
  }

  /**
   * A request began on `connection` while serving; `socket` is the one it arrived on (`request.socket`). When Node
   * gave its response the socket at once, every response before it there has finished (Node writes one at a time
   * and takes the next only after the last one's end), so it is only counted: holding a ServerResponse, even a
   * finished one until the next request, measured a few per cent of a hello-world request on Node 24
   * (tooling/bench/README.md). A pipelined request, whose response waits for an older one, is held and followed.
   */
  request(connection: Connection, socket: Socket, response: ServerResponse): void {
    connection.socket = socket;
    const { responses } = connection;
    if (responses.size !== 0) {
      // Already counted: a `checkContinue` handler may re-emit the same pair as `request`.
      if (responses.has(response)) return;
      // Held ones that finished (pipelined, or found being written by a sweep) are counted first, so the
      // connection takes the counting-only path again once nothing older is in flight.
      countEnded(connection, Number.NEGATIVE_INFINITY);
    }
    if (responses.size === 0 && writingNow(socket) === response) {
      // The one before ended; nothing reads when (the connection is active again at once).
      if (connection.inflight !== 0) countResponseEnd(connection, false, Number.NEGATIVE_INFINITY);
      countRequest(connection);
    } else {
      followUncounted(connection, Number.NEGATIVE_INFINITY);
      countRequest(connection);
      responses.add(response);
    }
    this.touch(connection);
  }

  /** Something on `connection` changed that the next sweep must hand over. */
  touch(connection: Connection): void {
    if (connection.dirty) return;
    connection.dirty = true;
    this.#dirty.push(connection);
    if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.#tick(), SWEEP_MS);
      this.#timer.unref();
    }
  }

  /** The engine's `settle`: sweep while serving; once serving has ended, hand the responses in flight over. */
  settle(): void {
    const track = this.#tracker();
    if (track === undefined) return;
    if (track.serving) this.#sweep(track);
    else this.#handOver();
  }

  /** No more sweeps (dispose). */
  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #tick(): void {
    this.#timer = undefined;
    const track = this.#tracker();
    if (track?.serving === true) this.#sweep(track);
  }

  #sweep(track: Tracker): void {
    const touched = this.#dirty;
    if (touched.length === 0) return;
    this.#dirty = [];
    const now = track.now();
    for (const connection of touched) {
      connection.dirty = false;
      if (connection.gone) continue;
      followUncounted(connection, now);
      countEnded(connection, now);
      track.served(connection.id, connection);
      const oldest = connection.responses.oldest();
      if (oldest === undefined) continue;
      if (oldest === connection.sweptOldest) this.#watch(connection);
      else {
        connection.sweptOldest = oldest;
        this.touch(connection);
      }
    }
  }

  /** Its oldest response outlived a sweep period: listen for the ends of those in flight rather than sweep again. */
  #watch(connection: Connection): void {
    const { responses } = connection;
    for (let index = connection.watched; index < responses.size; index++) this.#listen(connection, responses.at(index) as ServerResponse);
    connection.watched = responses.size;
  }

  /** Right after the step that ended serving (the sweep before it counted every end so far): listen to the rest. */
  #handOver(): void {
    this.stop();
    const touched = this.#dirty;
    this.#dirty = [];
    for (const connection of touched) {
      connection.dirty = false;
      if (!connection.gone) this.#watch(connection);
    }
  }
}

/**
 * The response Node is writing on `socket` now, null or undefined when none. `_httpMessage` is not public API,
 * but Node's own `closeIdleConnections()` decides by it, http-terminator reads it, and it has meant this since
 * Node 0.x. Drain relies on it only after seeing it hold the very response of the request just begun
 * (`ServingCounter.request`): on a Node where it did not, every request would be held and followed instead.
 */
function writingNow(socket: Socket): ServerResponse | null | undefined {
  return (socket as { _httpMessage?: ServerResponse | null })._httpMessage;
}

/**
 * A request counted without holding its response (`ServingCounter.request`) and not yet ended: when the socket
 * is still writing it, hold it from now on; when not, it ended, at `now` at the latest. There is at most one such
 * request on a connection, and only while none is held: a pipelined request holds the one before it first.
 */
function followUncounted(connection: Connection, now: number): void {
  const { responses, socket } = connection;
  if (connection.inflight === responses.size || socket === undefined) return;
  const response = writingNow(socket);
  if (response !== null && response !== undefined && !response.writableFinished && !response.destroyed) {
    responses.add(response);
    return;
  }
  // Ended. Node 20 still names a response in the tick it finished, before it lets go of it and ends the socket
  // after a `Connection: close` one; later only the ended socket tells.
  const closed = (response !== null && response !== undefined && carriedClose(response)) || socket.writableEnded || socket.destroyed;
  countResponseEnd(connection, connection.inflight === 1 && closed, now);
}

/**
 * Count the held responses that finished on `connection`, oldest first (HTTP/1.1 answers in order), as ended at
 * `now` (`-Infinity` when a request follows at once: see the core's `countResponseEnd`).
 */
function countEnded(connection: Connection, now: number): void {
  const { responses } = connection;
  for (let response = responses.oldest(); response !== undefined; response = responses.oldest()) {
    if (!response.writableFinished && !response.destroyed) break;
    // Whether it carried `Connection: close` matters only for the end that leaves nothing in flight.
    countResponseEnd(connection, connection.inflight === 1 && carriedClose(response), now);
    responses.shift();
    if (connection.watched > 0) connection.watched--;
    if (connection.sweptOldest === response) connection.sweptOldest = undefined;
  }
}
