import type { ServerResponse } from "node:http";
import { countRequest, countResponseEnd, timeUntimedEnd } from "@drain/core";
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
 * While serving, an HTTP/1 request costs one count on its connection's record (`Connection.served`) and one
 * entry in its in-flight responses: no input, no clock read, no listener. Its response's end is found by a sweep
 * (`writableFinished`, public and stable since Node 12.9) that runs `SWEEP_MS` after a request turns up, and
 * before the engine steps any input (`settle`), so the core has the whole picture before it acts on anything; the
 * sweep hands each touched record to the core (`track.served`). A response still in flight at two sweeps in a
 * row (a slow one, a stream) gets a `'close'` listener instead, so it is not looked at again and again.
 *
 * When the shutdown starts, the responses still in flight get that listener too, and from then on every request
 * and response end is fed to the engine as it happens (`http1.ts`).
 */
export class ServingCounter {
  /** Connections with requests or response ends the core has not been handed yet. */
  #dirty: Connection[] = [];
  /** The connections of the requests since the last one (usually one): see `#dropEnded`. */
  readonly #recent: Connection[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined = undefined;
  readonly #tracker: () => Tracker | undefined;
  /** Listen for `response`'s end: the `'close'` handler of `http1.ts`, which asks this counter while serving. */
  readonly #listen: (connection: Connection, response: ServerResponse) => void;

  constructor(tracker: () => Tracker | undefined, listen: (connection: Connection, response: ServerResponse) => void) {
    this.#tracker = tracker;
    this.#listen = listen;
  }

  /**
   * A request began on `connection` while serving; its response is not in `connection.responses` yet. The
   * responses before it that finished are counted first, in order: nothing reads when they ended (the connection
   * is active again), and the list stays one long without pipelining.
   */
  request(connection: Connection, response: ServerResponse): void {
    if (this.#recent.length !== 0) this.#dropEnded();
    countEnded(connection, Number.NEGATIVE_INFINITY);
    countRequest(connection.served);
    connection.responses.add(response);
    this.touch(connection);
    this.#recent.push(connection);
  }

  /**
   * Count and let go of the responses that ended since the last request, on any connection. Holding a
   * finished ServerResponse (with its request) until its connection's next request or the next sweep keeps
   * about one per connection alive through every young-generation collection, and that alone measured a few
   * per cent of a hello-world request on Node 24 (tooling/bench/README.md). By the next request the one before
   * it has ended, unless its handler is still at work. The end gets its time at the next sweep.
   */
  #dropEnded(): void {
    const recent = this.#recent;
    for (let index = 0; index < recent.length; index++) {
      const connection = recent[index] as Connection;
      if (!connection.gone && countEnded(connection, Number.NEGATIVE_INFINITY)) this.touch(connection);
    }
    recent.length = 0;
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
      countEnded(connection, now);
      // An end `#dropEnded` counted since the last sweep has no time yet: it gets this sweep's.
      timeUntimedEnd(connection.served, now);
      track.served(connection.id, connection.served);
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
    this.#recent.length = 0;
    const touched = this.#dirty;
    this.#dirty = [];
    for (const connection of touched) {
      connection.dirty = false;
      if (!connection.gone) this.#watch(connection);
    }
  }
}

/**
 * Count the responses that finished on `connection`, oldest first (HTTP/1.1 answers in order), as ended at `now`
 * (`-Infinity` when a request follows at once, or when the next sweep gives the time: see the core's
 * `countResponseEnd`). True when one was counted.
 */
function countEnded(connection: Connection, now: number): boolean {
  const { responses } = connection;
  let counted = false;
  for (let response = responses.oldest(); response !== undefined; response = responses.oldest()) {
    if (!response.writableFinished && !response.destroyed) break;
    // Whether it carried `Connection: close` matters only for the end that leaves nothing in flight.
    countResponseEnd(connection.served, connection.served.inflight === 1 && carriedClose(response), now);
    responses.shift();
    if (connection.watched > 0) connection.watched--;
    if (connection.sweptOldest === response) connection.sweptOldest = undefined;
    counted = true;
  }
  return counted;
}
