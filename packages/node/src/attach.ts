import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, ServerHttp2Session, ServerHttp2Stream } from "node:http2";
import type { Server, Socket } from "node:net";
import type { AdapterContext } from "./context.ts";
import { onConnection, onRequest, onSecureConnection, onUpgrade } from "./http1.ts";
import { writingNow } from "./serving.ts";
import { onCompatRequest, onSession, onStream } from "./http2.ts";


/** Connect the server's events to the tracking handlers. Everything added is registered in `context.listeners`. */
export function attach(context: AdapterContext, server: Server): void {
  const { listeners } = context;
  // `'connection'` is seen in the `emit` wrapper, before every listener (the h2c session is created inside Node's
  // own 'connection' listener): a listener of ours would make Node copy its listener list for every connection.
  listeners.on(server, "secureConnection", (socket: Socket) => onSecureConnection(context, socket), { prepend: true });
  listeners.on(server, "session", (session: ServerHttp2Session) => onSession(context, session), { prepend: true });
  listeners.on(server, "stream", (stream: ServerHttp2Stream) => onStream(context, stream), { prepend: true });
  wrapEmit(context, server);
}

/**
 * Requests, upgrades and accepted sockets are observed by wrapping `server.emit` instead of listening:
 * - a passive `'upgrade'` listener makes Node treat every Upgrade request as handled and swallows it
 *   (docs/runtime-facts.md, "Node: telling idle from active"); the same goes for `'checkContinue'` / `'checkExpectation'`;
 * - a `'request'` listener on an HTTP/2 server switches on the compat layer the app may not use;
 * - the wrapper runs before every listener, even ones the app prepends later, so a synchronous handler
 *   already sees the `Connection: close` the engine asks for.
 *
 * While serving, an HTTP/1 request whose response Node gave the socket at once (not pipelined) is passed on after
 * one comparison, before anything else: drain reads its connection from Node when it needs to (serving.ts).
 */
function wrapEmit(context: AdapterContext, server: Server): void {
  const hadOwn = Object.prototype.hasOwnProperty.call(server, "emit");
  const original = server.emit as (this: Server, event: string | symbol, ...args: unknown[]) => boolean;
  const { serving, table } = context;
  // Sockets the server accepted before drain was attached are adopted at their first request (http1.ts), so
  // while there may be any, a request passes only on a socket drain knows or saw accepted (serving.ts). `_connections`
  // is the server's count.
  const adopting = (server as { _connections?: unknown })._connections !== 0;
  // The event's first two arguments are named so that `observe` reads them without V8 making an `arguments`
  // object; `arguments` itself only goes to Reflect.apply, which copies nothing. This runs for every request.
  const wrapped = function (this: Server, event: string | symbol, first?: unknown, second?: unknown): boolean {
    if (event === "request" && serving.readingOnly) {
      const socket = (first as IncomingMessage).socket;
      if (writingNow(socket) === second && (!adopting || table.known(socket) !== undefined || serving.waits(socket))) return Reflect.apply(original, this, arguments) as boolean;
    }
    if (typeof event === "string" && !context.disposed && observe(context, event, first, second)) {
      // The listener is about to close: the app gets this request once it has (see `stopAcceptingWhenQuiet`). A
      // client that left meanwhile sent a request nobody waits for; the app never sees it, as with one cut before
      // it was read.
      const args = [...arguments] as unknown[];
      const socket = (first as IncomingMessage).socket;
      context.gate.arrived();
      void context.gate.hold(undefined).then(() => {
        if (!socket.destroyed) Reflect.apply(original, this, args);
      });
      return true;
    }
    return Reflect.apply(original, this, arguments) as boolean;
  } as Server["emit"];
  server.emit = wrapped;
  context.listeners.add(() => {
    // Only undo our own wrapper: if someone wrapped it after us, leave their wrapper (and ours inside it) alone.
    if (server.emit !== wrapped) return;
    if (hadOwn) server.emit = original;
    else delete (server as { emit?: unknown }).emit;
  });
}

/**
 * `first` and `second` are the event's arguments after its name. The names are compared one by one rather than
 * looked up in a Set: every event the server emits passes through here, and 'request' is tested first. Returns
 * true when an HTTP/1 request must wait before it reaches the app (see `onRequest`).
 */
function observe(context: AdapterContext, event: string, first: unknown, second: unknown): boolean {
  if (event === "request" || event === "checkContinue" || event === "checkExpectation") {
    const request = first as IncomingMessage | Http2ServerRequest;
    if (request.httpVersionMajor < 2) return onRequest(context, request as IncomingMessage, second as ServerResponse);
    onCompatRequest(context, request as Http2ServerRequest);
  } else if (event === "upgrade" || event === "connect") {
    onUpgrade(context, first as IncomingMessage, second as Socket);
  } else if (event === "connection") {
    onConnection(context, first as Socket);
  }
  return false;
}
