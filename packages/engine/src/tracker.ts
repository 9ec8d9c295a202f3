import type { Id } from "@drain/core";
import type { EngineClock } from "./clock.ts";
import type { Emitter } from "./emitter.ts";
import type { FeedLoop } from "./feed-loop.ts";
import type { EngineEvents, RuntimeBinding, Tracker } from "./types.ts";

/**
 * What adapters feed: each connection's life, as inputs to the core. `allocate` then `opened` lets an adapter
 * register a connection under its id before the core hears of it, as the SSE and WebSocket registries do, so no
 * command ever names an id the adapter does not know yet.
 *
 * @example
 * ```ts
 * const track = createTracker(loop.feed, ids, requestIds, binding, emitter, clock);
 * const id = track.open("http1");
 * ```
 */
export function createTracker(
  feed: FeedLoop["feed"],
  allocate: () => Id,
  requestIds: WeakMap<object, Id>,
  binding: RuntimeBinding,
  emitter: Emitter<EngineEvents>,
  clock: EngineClock,
): Tracker {
  return {
    open: (kind) => {
      const id = allocate();
      feed({ type: "open", id, kind });
      return id;
    },
    allocate,
    opened: (id, kind) => feed({ type: "open", id, kind }),
    request: (id) => feed({ type: "request", id, now: 0 }),
    responseEnd: (id, closing) => feed({ type: "response-end", id, closing, now: 0 }),
    upgrade: (id) => feed({ type: "upgrade", id }),
    closed: (id) => feed({ type: "closed", id }),
    listenerClosed: () => {
      emitter.emit("listener-closed", { at: clock.now() });
      feed({ type: "listener-closed" });
    },
    bind: (request, id) => {
      requestIds.set(request, id);
    },
    idOf: (request) => requestIds.get(request) ?? binding.connectionOf?.(request),
  };
}
