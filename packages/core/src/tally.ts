import { OPENED_UNTIMED, type Entity, type State } from "./state.ts";
import type { ConnState, Id } from "./types.ts";

/*
 * While serving, a request entity (Bun, Deno: one per request) never causes a command, and nothing reads its time
 * (the keep-alive grace is for `http1` only). So its open, request, response end, upgrade and close are counted here
 * in one small number per id instead of being stepped: no input, no clock read, no command list. The first input
 * that is stepped (a shutdown, a stream, anything) folds the tallies into the entities first, in the order they
 * opened, so every transition of the machine sees exactly the picture per-input stepping would have left.
 * Encoding: inflight × 8 + state code. `properties.test.ts` checks the equivalence against stepping.
 */

const NEVER_USED = 0;
const ACTIVE = 1;
const IDLE = 2;
const UPGRADED = 3;
const CLOSING = 4;
const STATES: readonly ConnState[] = ["never-used", "active", "idle", "upgraded", "closing"];

/**
 * Count a request entity's open without a step. Returns false when the caller must step the input instead:
 * outside serving, or for a connection kind whose picture needs the time.
 *
 * @example
 * ```ts
 * if (!tallyOpen(state, id, "request")) stepInto(state, { type: "open", id, kind: "request", now }, out);
 * ```
 */
export function tallyOpen(state: State, id: Id, kind: "http1" | "http2" | "request"): boolean {
  if (kind !== "request" || state.phase !== "serving") return false;
  // A repeated open is ignored by the machine as well.
  if (!state.entities.has(id) && !state.tallies.has(id)) state.tallies.set(id, NEVER_USED);
  return true;
}

/**
 * A request entity the adapter counted itself while serving and that is still in flight (opened, one request, no
 * response end yet): what `tallyOpen` then `tallyRequest` would have left, in one write. For an adapter's `settle`,
 * so a request costs the machine nothing until an input is stepped. False outside serving or for an id the machine
 * already knows (the caller steps or tallies it as usual then).
 *
 * @example
 * ```ts
 * for (const id of inFlight) tallyInFlight(state, id); // before the next input is stepped
 * ```
 */
export function tallyInFlight(state: State, id: Id): boolean {
  if (state.phase !== "serving" || state.entities.has(id) || state.tallies.has(id)) return false;
  state.tallies.set(id, 8 | ACTIVE);
  return true;
}

/** Count a request that began on a tallied entity; false when `id` is not tallied (step it instead). */
export function tallyRequest(state: State, id: Id): boolean {
  const value = state.tallies.get(id);
  if (value === undefined || state.phase !== "serving") return false;
  const code = value & 7;
  // As `onRequest`: an upgraded entity takes no requests, a closing one stays closing.
  if (code !== UPGRADED) state.tallies.set(id, (value - code + 8) | (code === CLOSING ? CLOSING : ACTIVE));
  return true;
}

/** Count a response end on a tallied entity; false when `id` is not tallied (step it instead). */
export function tallyResponseEnd(state: State, id: Id, closing: boolean): boolean {
  const value = state.tallies.get(id);
  if (value === undefined || state.phase !== "serving") return false;
  const code = value & 7;
  const inflight = value >>> 3;
  // As `onResponseEnd` while serving.
  if (inflight === 0) return true;
  if (inflight > 1) state.tallies.set(id, value - 8);
  else state.tallies.set(id, closing || code === CLOSING ? CLOSING : IDLE);
  return true;
}

/** Count an upgrade of a tallied entity; false when `id` is not tallied (step it instead). */
export function tallyUpgrade(state: State, id: Id): boolean {
  if (!state.tallies.has(id) || state.phase !== "serving") return false;
  state.tallies.set(id, UPGRADED);
  return true;
}

/** Count the close of a tallied entity: it is forgotten, as `onClosed` does while serving. False when not tallied. */
export function tallyClosed(state: State, id: Id): boolean {
  if (state.phase !== "serving") return false;
  return state.tallies.delete(id);
}

/** Hand the tallied entities to the machine, in the order they opened. Runs before every stepped input. */
export function foldTallies(state: State): void {
  state.tallies.forEach((value, id) => {
    const entity: Entity = { kind: "request", state: STATES[value & 7] as ConnState, inflight: value >>> 3, last: state.now, opened: state.now, flags: OPENED_UNTIMED, conn: -1 };
    state.entities.set(id, entity);
  });
  state.tallies.clear();
}

/** The tallied entities' share of `counts`, added to `into`. */
export function countTallies(state: State, into: { neverUsed: number; idle: number; active: number; requests: number; upgraded: number; closing: number }): void {
  state.tallies.forEach((value) => {
    into.requests += value >>> 3;
    switch (value & 7) {
      case NEVER_USED:
        into.neverUsed++;
        break;
      case ACTIVE:
        into.active++;
        break;
      case IDLE:
        into.idle++;
        break;
      case UPGRADED:
        into.upgraded++;
        break;
      case CLOSING:
        into.closing++;
        break;
    }
  });
}
