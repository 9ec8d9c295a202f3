import { adoptServed, applyServed, tallyClosed, tallyInFlight, tallyOpen, tallyRequest, tallyResponseEnd, tallyUpgrade, type Id, type State } from "@drain/core";
import type { EngineClock } from "./clock.ts";
import type { Emitter } from "./emitter.ts";
import type { FeedLoop } from "./feed-loop.ts";
import type { EngineEvents, RuntimeBinding, Tracker } from "./types.ts";

/**
 * What adapters feed: each connection's life, as inputs to the core. `allocate` then `opened` lets an adapter
 * register a connection under its id before the core hears of it, as the SSE and WebSocket registries do, so no
 * command ever names an id the adapter does not know yet.
 *
 * While serving, a request entity's life (Bun, Deno: one per request) is only counted on the core's tallies (the
 * core's `tally.ts`): no input, no clock read. The core folds them in before the next stepped input, a shutdown
 * included, so from the signal on it acts on the same picture as if every event had been stepped.
 *
 * @example
 * ```ts
 * const track = createTracker(state, loop, allocate, binding, emitter, clock);
 * const id = track.open("http1");
 * ```
 */
export function createTracker(
  state: State,
  loop: FeedLoop,
  allocate: () => Id,
  binding: RuntimeBinding,
  emitter: Emitter<EngineEvents>,
  clock: EngineClock,
): Tracker {
  const feed = loop.feed;
  // Requests bound to an id by `bind` (an async handler's, on Bun and Deno), for `idOf`.
  const requestIds = new WeakMap<object, Id>();
  const opened = (id: Id, kind: "http1" | "http2" | "request"): void => {
    if (loop.stopped || !tallyOpen(state, id, kind)) feed({ type: "open", id, kind });
  };
  // A stopped loop ignores inputs; nothing may pile up on the tallies after it either.
  return {
    open: (kind) => {
      const id = allocate();
      opened(id, kind);
      return id;
    },
    allocate,
    opened,
    request: (id) => {
      if (!tallyRequest(state, id)) feed({ type: "request", id, now: 0 });
    },
    responseEnd: (id, closing) => {
      if (!tallyResponseEnd(state, id, closing)) feed({ type: "response-end", id, closing, now: 0 });
    },
    upgrade: (id) => {
      if (!tallyUpgrade(state, id)) feed({ type: "upgrade", id });
    },
    closed: (id) => {
      if (!tallyClosed(state, id)) feed({ type: "closed", id });
    },
    listenerClosed: () => {
      emitter.emit("listener-closed", { at: clock.now() });
      feed({ type: "listener-closed" });
    },
    get serving() {
      return state.phase === "serving";
    },
    served: (id, served) => applyServed(state, id, served),
    adopt: (id, served, opened) => !loop.stopped && adoptServed(state, id, served, opened),
    inFlight: (id) => !loop.stopped && tallyInFlight(state, id),
    now: () => clock.now(),
    bind: (request, id) => {
      requestIds.set(request, id);
    },
    idOf: (request) => requestIds.get(request) ?? binding.connectionOf?.(request),
  };
}
