import type { Id } from "@drain/core";
import { asksToClose, type CloseGate, type Tracker } from "@drain/engine";
import { withConnectionClose } from "./connection-close.ts";
import type { ServeHandler, ServeHandlerInfo } from "./deno-api.ts";
import type { RunningRequest } from "./shutdown-state.ts";

/** What a tracked handler needs from the adapter. */
export interface HandlerTracking {
  readonly track: Tracker;
  /** Ids the core marked closing; their responses get `Connection: close`. The handler forgets its id at the end. */
  readonly closing: Set<Id>;
  /** After `dispose()` requests pass through untracked: the engine is gone, the server is not. */
  disposed(): boolean;
  /** `servingOnly`: the core is serving and the drain attached (see `DenoState.servingOnly`). */
  readonly mode: { readonly servingOnly: boolean };
  /** The request's handler was called / its response is sent: what `server.shutdown()` waits for. */
  started(request: Request, info: ServeHandlerInfo): void;
  ended(request: Request): void;
  /** While it waits for the moment to call `shutdown()`, responses are held (see `CloseGate`). */
  readonly gate: CloseGate;
  /** The request whose handler is running, for the binding's `connectionOf` (see `DenoState.running`). */
  readonly running: RunningRequest;
  /** Requests begun while serving that the core has not been handed yet (the binding's `settle` hands them). */
  readonly held: Set<Id>;
  /**
   * Whether Deno takes a response's whole body as the handler returns it (see `sentOnReturnTest`); `undefined`
   * when that cannot be told, and then every request waits for `info.completed`.
   */
  readonly sentOnReturn: ((response: Response) => boolean) | undefined;
}

/**
 * Wrap a `Deno.serve` handler so that every request is one tracked `request` entity, from the moment the handler
 * is called until Deno has sent the whole response.
 *
 * While serving, the core hears nothing per request, and most requests cost drain almost nothing: a handler that
 * returns a response Deno sends at once (see `sentOnReturnTest`) leaves nothing in flight, so drain does not read
 * its `info.completed` (made only when read, and about 4 % of a hello-world request by itself). A request whose
 * handler is still running (it returned a promise) or whose response is still being sent (a stream) waits in
 * `held`; the binding's `settle` hands the core those before any input is stepped (the shutdown included), and
 * their end is fed only if the core was handed them. From the signal on every request is fed as it comes.
 *
 * @example
 * ```ts
 * const handler = trackHandler((request) => new Response("ok"), tracking);
 * ```
 */
export function trackHandler(handler: ServeHandler, tracking: HandlerTracking): ServeHandler {
  const { track, closing, gate, running, held, sentOnReturn, mode } = tracking;
  // The ids whose response drain gave `Connection: close`; only filled during the drain, so `end` reads it
  // instead of a variable every request's closures would share (one closure per request, not three).
  const sentClose = new Set<Id>();
  const respond = (request: Request, id: Id, response: Response): Response | Promise<Response> => {
    const marked = closing.size !== 0 && closing.has(id) ? mark(request, id, response, sentClose) : response;
    return gate.waiting ? gate.hold(marked) : marked;
  };

  /** Counted from now on: held while serving (`settle` hands it to the core), fed from its start after. */
  const count = (id: Id): void => {
    if (track.serving) held.add(id);
    else {
      track.opened(id, "request");
      track.request(id);
    }
  };
  /** Kept by the adapter: `shutdown()` is timed by it, and describe.ts finds it by its id if it is forced. */
  const keep = (request: Request, info: ServeHandlerInfo, id: Id): void => {
    tracking.started(request, info);
    track.bind(request, id);
  };
  /** From here on the request counts until Deno has sent its response (or could not). */
  const follow = (request: Request, info: ServeHandlerInfo, id: Id, response?: unknown): void => {
    count(id);
    followHanded(request, info, id, response);
  };
  /** The same for a request the core already has; `response` when its handler has returned it already. */
  const followHanded = (request: Request, info: ServeHandlerInfo, id: Id, response?: unknown): void => {
    keep(request, info, id);
    if (gate.waiting) gate.arrived();
    awaitCompletion(request, info, id, response);
  };
  const awaitCompletion = (request: Request, info: ServeHandlerInfo, id: Id, response?: unknown): void => {
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
    // An upgrade (`Deno.upgradeWebSocket`) closed the request inside the handler: `completed`, read only now, would
    // never settle (Deno settles it only if it was read before the close). The socket is tracked on its own.
    if (response instanceof Response && response.status === 101) {
      queueMicrotask(end);
      return;
    }
    // Measured on Deno 2.9.6: `completed` settles once the body is sent, for thrown handlers (500),
    // streams the server ends, streams a client drops, and 101 upgrades; never while a handler hangs.
    info.completed.then(end, end);
  };
  /** Whether the core was handed the request of the handler `run` called last while it ran (see `handInFlight`). */
  let lastRunHanded = false;
  /** Call the handler with its request as the running one, for `connectionOf`. */
  const run = (request: Request, info: ServeHandlerInfo, id: Id): Response | Promise<Response> => {
    const outer = running.request;
    const outerInfo = running.info;
    const outerId = running.id;
    const outerHanded = running.handed;
    running.request = request;
    running.info = info;
    running.id = id;
    running.handed = false;
    try {
      return handler(request, info);
    } finally {
      lastRunHanded = running.handed;
      running.request = outer;
      running.info = outerInfo;
      running.id = outerId;
      running.handed = outerHanded;
    }
  };

  /** Serving: a request is followed only once it is known to outlive its handler's return. */
  const serve = (request: Request, info: ServeHandlerInfo, sentAtOnce: (response: Response) => boolean): Response | Promise<Response> => {
    const id = track.allocate();
    let result: Response | Promise<Response>;
    try {
      result = run(request, info, id);
    } catch (error) {
      // Deno answers 500; if the core has the request, it ends once that is sent.
      if (lastRunHanded) followHanded(request, info, id);
      throw error;
    }
    // Handed to the core while its handler ran (it started the shutdown, say): followed whatever it returned.
    const known = lastRunHanded;
    if (!isPromiseLike(result)) {
      if (known) followHanded(request, info, id, result);
      // Sent as it returns: nothing in flight.
      else if (result instanceof Response && sentAtOnce(result)) return result;
      else follow(request, info, id, result);
      return respond(request, id, result);
    }
    // Its handler still runs: held, so a shutdown now sees it; its completion is read only if it outlives the return.
    if (!known) count(id);
    keep(request, info, id);
    const returned = (response: Response): Response | Promise<Response> => {
      if (track.serving && held.has(id) && response instanceof Response && sentAtOnce(response)) {
        held.delete(id);
        tracking.ended(request);
        return response;
      }
      awaitCompletion(request, info, id, response);
      return respond(request, id, response);
    };
    const failed = (error: unknown): never => {
      // Deno answers 500, and `completed` settles once that is sent.
      awaitCompletion(request, info, id);
      throw error;
    };
    return Promise.resolve(result).then(returned, failed);
  };

  if (sentOnReturn !== undefined) {
    // One field read on every request while serving (see `DenoState.servingOnly`).
    return (request, info) => (mode.servingOnly ? serve(request, info, sentOnReturn) : tracked(request, info));
  }
  return tracked;

  /** Every request is followed from its start: after the serving phase, after `dispose()`, or when Deno's body slot cannot be read. */
  function tracked(request: Request, info: ServeHandlerInfo): Response | Promise<Response> {
    if (tracking.disposed()) return handler(request, info);
    const id = track.allocate();
    follow(request, info, id);
    const result = run(request, info, id);
    if (!isPromiseLike(result)) return respond(request, id, result);
    return Promise.resolve(result).then((response) => respond(request, id, response));
  }
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
