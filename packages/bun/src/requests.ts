import type { Id } from "@drain/core";
import { asksToClose, type CloseGate, type Tracker } from "@drain/engine";
import type { BunServerLike } from "./bun-types.ts";
import type { CompletionWatcher } from "./completion.ts";

/** Per-request bookkeeping for the wrapped handlers. */
export interface RequestTracking {
  /** Wrap a `fetch`-style handler so each request is tracked from its start to its response's end. */
  wrapHandler<H extends (request: Request, server: never) => unknown>(handler: H, onServer: (server: BunServerLike) => void): H;
  /**
   * `d.sse()` made `response` for `request`: Bun's idle timeout (10 s by default) would cut a quiet event stream,
   * and drain ends its streams itself, so the timeout is turned off for that request's connection.
   */
  eventStream(response: Response, request: unknown, server: BunServerLike | undefined): void;
  /**
   * The id of `request`, for the binding's `connectionOf`: known while its handler runs, without a WeakMap entry
   * per request (that entry cost about 15 % of drain's JavaScript time per request on Bun 1.4.5). An async handler's
   * request is bound (`track.bind`) when the handler returns its promise, before any of its continuations run.
   */
  idOf(request: object): Id | undefined;
  /**
   * The binding's `settle`: while serving, hand the core the requests still in flight (the running handler, the
   * pending async ones, the responses being written), so it acts on the whole picture. Before any stepped input.
   */
  settle(): void;
}

/**
 * Bun hides connections, so drain tracks requests: a request entity from its handler's start until Bun has written
 * the response (see `completion.ts`). While serving, the core hears nothing per request: a request is only an id,
 * held by the adapter (the running handler, the pending async handlers, the completion watcher's lists), and
 * `settle` (before any input is stepped: the shutdown, a stream, `counts()`) hands the core those still in flight
 * (`track.inFlight`); the end of a handed one is fed (`responseEnd()` + `closed()`), the end of any other is not.
 * Once serving has ended every request is fed from its start. `closing` holds the requests the core marked (the
 * binding's `mark-closing`): they answer with `Connection: close`.
 */
export function createRequestTracking(track: Tracker, watcher: CompletionWatcher, gate: CloseGate, closing: Set<Id>): RequestTracking {
  // Event streams whose request was not at hand (`d.sse()` without `{ request }`): found by their response when the
  // handler returns it. Counted, so no other response pays for the lookup until there is one.
  const untied = new WeakSet<Response>();
  let untiedCount = 0;
  // The request whose handler is running, and its id.
  let running: Request | undefined;
  let runningId: Id = 0;
  // Handlers running under another one's (rare), and async handlers still pending, begun while serving.
  const outerIds: Id[] = [];
  const pending = new Set<Id>();
  // The requests begun while serving that the core was handed (`settle`): their ends are fed.
  const handed = new Set<Id>();

  /** Whether `id`'s end goes to the core: it was handed, or it began after serving (it was fed from its start). */
  const fed = (id: Id): boolean => (handed.size !== 0 && handed.delete(id)) || !track.serving;
  const hand = (id: Id): void => {
    if (track.inFlight(id)) handed.add(id);
  };

  /** One function for every response end; `isClosing` is `undefined` when it is read at the end (a thrown handler). */
  const finish = (id: Id, isClosing: boolean | undefined): void => {
    if (!fed(id)) return;
    const closed = isClosing ?? closing.has(id);
    closing.delete(id);
    track.responseEnd(id, closed);
    track.closed(id);
  };

  /** The handler produced `result`: add `Connection: close` if asked, then watch for the end of the response. */
  const settle = (server: BunServerLike, request: Request, id: Id, result: unknown): void => {
    if (!(result instanceof Response)) {
      // `undefined` after `server.upgrade(request)`: the request became a WebSocket (tracked by the websocket handlers).
      if (!fed(id)) return;
      closing.delete(id);
      track.upgrade(id);
      track.closed(id);
      return;
    }
    // `response.headers` is read only for a response drain marks: on a fresh Response it costs about 100 ns in Bun
    // 1.4.5 (it builds the header list), more than the rest of a request's tracking (and once Bun sends the
    // response it no longer shows the content type, so it cannot be read later instead). The app's own
    // `Connection: close` is not read either: a request entity is closed right after its response ends, so the
    // core would never act on it.
    const isClosing = closing.size !== 0 && closing.has(id) && addConnectionClose(result.headers);
    if (untiedCount !== 0 && untied.has(result)) server.timeout(request, 0);
    watcher.watch(server, request, finish, id, isClosing);
  };

  const fail = (server: BunServerLike, request: Request, id: Id): void => {
    // Bun answers a thrown handler with its error handler or a 500; that response ends like any other.
    watcher.watch(server, request, finish, id, undefined);
  };

  return {
    idOf: (request) => (request === running ? runningId : undefined),
    settle() {
      // Right after the step that ended serving: the ends of the responses in flight now matter, at once.
      if (!track.serving) {
        watcher.hurry();
        return;
      }
      if (running !== undefined) hand(runningId);
      for (const id of outerIds) hand(id);
      // The responses Bun has written since the last sweep end here, untold: only those still being written are handed.
      watcher.checkNow();
      for (const id of pending) hand(id);
      watcher.forEachId(hand);
    },
    eventStream(response, request, server) {
      if (request instanceof Request && server !== undefined) {
        try {
          server.timeout(request, 0);
          return;
        } catch {
          // Not a request this server is serving (a copy): fall back to the response below.
        }
      }
      untied.add(response);
      untiedCount++;
    },
    wrapHandler(handler, onServer) {
      const wrapped = function (this: unknown, request: Request, server: BunServerLike): unknown {
        onServer(server);
        if (gate.waiting) gate.arrived();
        const id = track.allocate();
        // While serving the core is handed this request only if it is still in flight at `settle`.
        if (!track.serving) {
          track.opened(id, "request");
          track.request(id);
        }
        const outer = running;
        const outerId = runningId;
        if (outer !== undefined) outerIds.push(outerId);
        running = request;
        runningId = id;
        let result: unknown;
        try {
          result = handler.call(this, request, server as never);
        } catch (error) {
          fail(server, request, id);
          throw error;
        } finally {
          running = outer;
          runningId = outerId;
          if (outer !== undefined) outerIds.pop();
        }
        // A Response first: it is what almost every handler returns, and asking it for `then` means a lookup
        // along its whole prototype chain.
        if (result instanceof Response || !isPromiseLike(result)) {
          // Stay synchronous when the app is: Bun serves a synchronously returned Response on a faster path.
          settle(server, request, id, result);
          // While the listener waits to close, a client waiting for its response opens no new connection.
          return gate.waiting && result instanceof Response ? gate.hold(result) : result;
        }
        track.bind(request, id);
        if (track.serving) pending.add(id);
        return Promise.resolve(result).then(
          (value) => {
            if (pending.size !== 0) pending.delete(id);
            settle(server, request, id, value);
            return gate.waiting && value instanceof Response ? gate.hold(value) : value;
          },
          (error: unknown) => {
            if (pending.size !== 0) pending.delete(id);
            fail(server, request, id);
            throw error;
          },
        );
      };
      return wrapped as unknown as typeof handler;
    },
  };
}

/**
 * Set `Connection: close` in place. Never rebuild the Response: a copy loses Bun's implicit content type.
 * Returns whether the response now says close (immutable headers are left alone; `stop()` closes after it anyway).
 */
function addConnectionClose(headers: Headers): boolean {
  try {
    headers.set("connection", "close");
    return true;
  } catch {
    return asksToClose(headers.get("connection"));
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}
