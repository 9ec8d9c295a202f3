import type { Id } from "@drain/core";
import { asksToClose, type CloseGate, type Tracker } from "@drain/engine";
import type { BunServerLike } from "./bun-types.ts";
import type { CompletionWatcher } from "./completion.ts";

/** Per-request bookkeeping for the wrapped handlers. */
export interface RequestTracking {
  /** Wrap a `fetch`-style handler so each request is tracked from its start to its response's end. */
  wrapHandler<H extends (request: Request, server: never) => unknown>(handler: H, onServer: (server: BunServerLike) => void): H;
}

const SSE = "text/event-stream";

/**
 * Bun hides connections, so drain tracks requests: `open("request")` + `request()` at the start, and
 * `responseEnd()` + `closed()` once Bun has written the response (see `completion.ts`). `closing` holds the requests
 * the core marked (the binding's `mark-closing`): they answer with `Connection: close`.
 */
export function createRequestTracking(track: Tracker, watcher: CompletionWatcher, gate: CloseGate, closing: Set<Id>): RequestTracking {
  const finish = (id: Id, isClosing: boolean): void => {
    closing.delete(id);
    track.responseEnd(id, isClosing);
    track.closed(id);
  };

  /** The handler produced `result`: add `Connection: close` if asked, then watch for the end of the response. */
  const settle = (server: BunServerLike, request: Request, id: Id, result: unknown): void => {
    if (!(result instanceof Response)) {
      // `undefined` after `server.upgrade(request)`: the request became a WebSocket (tracked by the websocket handlers).
      closing.delete(id);
      track.upgrade(id);
      track.closed(id);
      return;
    }
    // Read once: every `response.headers` access is a call into Bun, and this runs for every response.
    const headers = result.headers;
    // The app's own `Connection: close` is not read: a request entity is closed right after its response ends, so
    // the core would never act on it, and the read is a call into Bun on every response.
    const isClosing = closing.has(id) && addConnectionClose(headers);
    // Bun's idle timeout (10 s by default) would cut a quiet event stream; SSE streams end through drain instead.
    if (headers.get("content-type")?.startsWith(SSE) === true) server.timeout(request, 0);
    watcher.watch(server, request, () => finish(id, isClosing));
  };

  const fail = (server: BunServerLike, request: Request, id: Id): void => {
    // Bun answers a thrown handler with its error handler or a 500; that response ends like any other.
    watcher.watch(server, request, () => finish(id, closing.has(id)));
  };

  return {
    wrapHandler(handler, onServer) {
      const wrapped = function (this: unknown, request: Request, server: BunServerLike): unknown {
        onServer(server);
        if (gate.waiting) gate.arrived();
        const id = track.open("request");
        track.bind(request, id);
        track.request(id);
        let result: unknown;
        try {
          result = handler.call(this, request, server as never);
        } catch (error) {
          fail(server, request, id);
          throw error;
        }
        if (!isPromiseLike(result)) {
          // Stay synchronous when the app is: Bun serves a synchronously returned Response on a faster path.
          settle(server, request, id, result);
          // While the listener waits to close, a client waiting for its response opens no new connection.
          return gate.waiting && result instanceof Response ? gate.hold(result) : result;
        }
        return Promise.resolve(result).then(
          (value) => {
            settle(server, request, id, value);
            return gate.waiting && value instanceof Response ? gate.hold(value) : value;
          },
          (error: unknown) => {
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
