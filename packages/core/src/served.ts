import { openedEntity } from "./connections.ts";
import type { State } from "./state.ts";
import type { Id, Input } from "./types.ts";

/*
 * While serving, an HTTP/1 connection's requests and response ends cause no command, and the machine reads them
 * only when the shutdown starts (and in `counts`). So an adapter may keep them on its own connection record, with
 * the same rules as `onRequest` / `onResponseEnd` (below), and hand the result to the machine with `applyServed`
 * before it steps an input that reads them (`readsServed`): no input, no clock read per request. `served.test.ts`
 * checks that a shutdown at any point of a random serving history then gives the same commands, counts and report
 * as stepping every event. An adapter may even keep a connection's open to itself while serving and hand the
 * connection over with `adoptServed` when it is read.
 */

/**
 * Whether stepping `input` while serving reads HTTP/1 connections' states, so an adapter that keeps them itself
 * must hand them over first (`applyServed`): only the shutdown does. `counts` reads them too.
 *
 * @example
 * ```ts
 * if (phase(state) === "serving" && readsServed(input)) for (const [id, served] of records) applyServed(state, id, served);
 * stepInto(state, input, out);
 * ```
 */
export function readsServed(input: Pick<Input, "type">): boolean {
  return input.type === "shutdown";
}

/** One HTTP/1 connection's requests, counted by its adapter while serving. Create it with `servedRecord()`. */
export interface Served {
  state: "never-used" | "active" | "idle" | "closing";
  /** Requests in flight. */
  inflight: number;
  /** When its last response ended (what the keep-alive grace reads); `-Infinity` until one did. */
  last: number;
}

/**
 * A fresh record for a connection that has served nothing yet.
 *
 * @example
 * ```ts
 * const served = servedRecord();
 * countRequest(served);
 * countResponseEnd(served, false, performance.now());
 * applyServed(state, id, served); // before the next input is stepped
 * ```
 */
export function servedRecord(): Served {
  return { state: "never-used", inflight: 0, last: Number.NEGATIVE_INFINITY };
}

/** A request began: as `onRequest` while serving (a closing connection stays closing). */
export function countRequest(served: Served): void {
  served.inflight++;
  if (served.state !== "closing") served.state = "active";
}

/**
 * A response ended at `at`; `closing` when it carried `Connection: close`. As `onResponseEnd` for http1 while
 * serving. `at` may be `-Infinity` when a request on the same connection is counted right after (an active
 * connection's `last` is never read: the grace reads it only once the connection is idle or never used again).
 */
export function countResponseEnd(served: Served, closing: boolean, at: number): void {
  if (served.inflight === 0) return;
  served.inflight--;
  if (served.inflight > 0) return;
  served.last = at;
  if (closing) served.state = "closing";
  else if (served.state !== "closing") served.state = "idle";
}

/**
 * Hand what was counted on `id` to the machine. Only while serving and for an `http1` connection the machine
 * knows and that is not upgraded (an upgrade is stepped, and it ends the connection's HTTP life); false otherwise.
 */
export function applyServed(state: State, id: Id, served: Served): boolean {
  if (state.phase !== "serving") return false;
  const entity = state.entities.get(id);
  if (entity === undefined || entity.kind !== "http1" || entity.state === "upgraded") return false;
  entity.state = served.state;
  entity.inflight = served.inflight;
  // Until a response ended, the machine's own time (the open) stands, as with stepping.
  if (served.last !== Number.NEGATIVE_INFINITY) entity.last = served.last;
  return true;
}

/**
 * Open HTTP/1 connection `id`, which opened at `opened`, with the state its adapter read now, without a step: for
 * a connection the adapter accepted while serving and told the machine nothing about until now, so one that comes
 * and goes while serving costs the machine nothing. The entity is the one an `open` stepped at `opened` followed by
 * `applyServed` would leave (no input stepped while serving reads it, see `readsServed`); only its place among the
 * entities is later. False outside serving or for an id the machine knows (step an `open` then).
 *
 * @example
 * ```ts
 * const id = allocate();
 * adoptServed(state, id, { state: "idle", inflight: 0, last: lastEnd }, acceptedAt); // before the shutdown is stepped
 * ```
 */
export function adoptServed(state: State, id: Id, served: Served, opened: number): boolean {
  if (state.phase !== "serving" || state.entities.has(id) || state.tallies.has(id)) return false;
  state.entities.set(id, openedEntity("http1", opened));
  return applyServed(state, id, served);
}
