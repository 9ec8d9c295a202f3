import type { Id } from "@drain/core";
import { asksToClose, type CloseGate, type Tracker } from "@drain/engine";
import { withConnectionClose } from "./connection-close.ts";
import type { ServeHandler, ServeHandlerInfo } from "./deno-api.ts";

/** What a tracked handler needs from the adapter. */
export interface HandlerTracking {
  readonly track: Tracker;
  /** Ids the core marked closing; their responses get `Connection: close`. The handler forgets its id at the end. */
  readonly closing: Set<Id>;
  /** After `dispose()` requests pass through untracked: the engine is gone, the server is not. */
  disposed(): boolean;
  /** The request's handler was called / its response is sent: what `server.shutdown()` waits for. */
  started(request: Request, info: ServeHandlerInfo): void;
  ended(request: Request): void;
  /** While it waits for the moment to call `shutdown()`, responses are held (see `CloseGate`). */
  readonly gate: CloseGate;
  /** The request whose handler is running, for the binding's `connectionOf` (see `DenoState.running`). */
  readonly running: { request: Request | undefined; id: Id };
  /** Requests begun while serving that the core has not been handed yet (the binding's `settle` hands them). */
  readonly held: Set<Id>;
}

/**
 * Wrap a `Deno.serve` handler so that every request is one tracked `request` entity, from the
 * moment the handler is called until Deno has sent the whole response. While serving, the core hears nothing per
 * request: its id waits in `held`, and the binding's `settle` hands the core those still in flight before any
 * input is stepped (the shutdown included); the end of a request it was never handed is not fed.
 *
 * @example
 * ```ts
 * const handler = trackHandler((request) => new Response("ok"), tracking);
 * ```
 */
export function trackHandler(handler: ServeHandler, tracking: HandlerTracking): ServeHandler {
  const { track, closing, gate, running, held } = tracking;
  // The ids whose response drain gave `Connection: close`; only filled during the drain, so `end` reads it
  // instead of a variable every request's closures would share (one closure per request, not three).
  const sentClose = new Set<Id>();
  const respond = (request: Request, id: Id, response: Response): Response | Promise<Response> => {
    const marked = closing.size !== 0 && closing.has(id) ? mark(request, id, response, sentClose) : response;
    return gate.waiting ? gate.hold(marked) : marked;
  };
  return (request, info) => {
    if (tracking.disposed()) return handler(request, info);
    const id = track.allocate();
    if (track.serving) held.add(id);
    else {
      track.opened(id, "request");
      track.request(id);
    }
    tracking.started(request, info);
    if (gate.waiting) gate.arrived();
    const end = (): void => {
      // Both sets fill only during the drain: while serving, two size reads instead of two lookups.
      if (closing.size !== 0) closing.delete(id);
      const closed = sentClose.size !== 0 && sentClose.delete(id);
      if (tracking.disposed()) return;
      tracking.ended(request);
      // Ended before the core was handed it: nothing to tell.
      if (held.delete(id) && track.serving) return;
      track.responseEnd(id, closed);
      track.closed(id);
    };
    // Measured on Deno 2.9.6: `completed` settles once the body is sent, for thrown handlers (500),
    // streams the server ends, streams a client drops, and 101 upgrades; never while a handler hangs.
    info.completed.then(end, end);
    // While the handler runs, `connectionOf` knows its request; an async one is bound before it continues.
    const outer = running.request;
    const outerId = running.id;
    running.request = request;
    running.id = id;
    let result: Response | Promise<Response>;
    try {
      result = handler(request, info);
    } finally {
      running.request = outer;
      running.id = outerId;
    }
    if (!isPromiseLike(result)) return respond(request, id, result);
    track.bind(request, id);
    return Promise.resolve(result).then((response) => respond(request, id, response));
  };
}

/**
 * `Connection: close` on a response of a request the core marked. A request that asked for close gets it from Deno
 * (see `asksToClose`); read only here: `request.headers` builds the header list on first access, a cost every
 * request would pay.
 */
function mark(request: Request, id: Id, response: Response, sentClose: Set<Id>): Response {
  if (!(response instanceof Response) || asksToClose(request.headers.get("connection"))) return response;
  const marked = withConnectionClose(response);
  if (marked.headers.get("connection") === "close") sentClose.add(id);
  return marked;
}

function isPromiseLike(value: unknown): value is PromiseLike<Response> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}
