import type { Id } from "@drain/core";
import { asksToClose, type CloseGate, type Tracker } from "@drain/engine";
import { withConnectionClose } from "./connection-close.ts";
import type { ServeHandler } from "./deno-api.ts";

/** What a tracked handler needs from the adapter. */
export interface HandlerTracking {
  readonly track: Tracker;
  /** Ids the core marked closing; their responses get `Connection: close`. The handler forgets its id at the end. */
  readonly closing: Set<Id>;
  /** After `dispose()` requests pass through untracked: the engine is gone, the server is not. */
  disposed(): boolean;
  /** The request's handler was called / its response is sent: what `server.shutdown()` waits for. */
  started(request: Request): void;
  ended(request: Request): void;
  /** While it waits for the moment to call `shutdown()`, responses are held (see `CloseGate`). */
  readonly gate: CloseGate;
}

/**
 * Wrap a `Deno.serve` handler so that every request is one tracked `request` entity, from the
 * moment the handler is called until Deno has sent the whole response.
 *
 * @example
 * ```ts
 * const handler = trackHandler((request) => new Response("ok"), tracking);
 * ```
 */
export function trackHandler(handler: ServeHandler, tracking: HandlerTracking): ServeHandler {
  return (request, info) => {
    if (tracking.disposed()) return handler(request, info);
    const { track, closing, gate } = tracking;
    const id = track.open("request");
    track.request(id);
    track.bind(request, id);
    let sentClose = false;
    tracking.started(request);
    if (gate.waiting) gate.arrived();
    const end = (): void => {
      closing.delete(id);
      if (tracking.disposed()) return;
      tracking.ended(request);
      track.responseEnd(id, sentClose);
      track.closed(id);
    };
    // Measured on Deno 2.9.6: `completed` settles once the body is sent, for thrown handlers (500),
    // streams the server ends, streams a client drops, and 101 upgrades; never while a handler hangs.
    info.completed.then(end, end);
    // A request that asked for close gets it from Deno (see `asksToClose`). Read only for a response drain marks:
    // `request.headers` builds the header list on first access, a cost every request would pay.
    const mark = (response: Response): Response => {
      if (!closing.has(id) || !(response instanceof Response) || asksToClose(request.headers.get("connection"))) return response;
      const marked = withConnectionClose(response);
      sentClose = marked.headers.get("connection") === "close";
      return marked;
    };
    const finish = (response: Response): Response | Promise<Response> => {
      const marked = mark(response);
      return gate.waiting ? gate.hold(marked) : marked;
    };
    const result = handler(request, info);
    return isPromiseLike(result) ? Promise.resolve(result).then(finish) : finish(result);
  };
}

function isPromiseLike(value: unknown): value is PromiseLike<Response> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}
