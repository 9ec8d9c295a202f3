import type { IncomingMessage, ServerResponse } from "node:http";
import type { Id } from "@drain/core";
import type { Socket } from "node:net";
import { TLSSocket } from "node:tls";
import { carriedClose, markNewest } from "./commands.ts";
import type { Connection } from "./connections.ts";
import type { AdapterContext } from "./context.ts";

/** A socket was accepted (`'connection'`). TLS and HTTP/2 sockets start as `http1` too and are refined later. */
export function onConnection(context: AdapterContext, socket: Socket): void {
  // While serving, a socket of a plain http.Server waits unrecorded until it lives past a look (serving.ts).
  if (context.serving.accept(socket)) return;
  // Never by address here: a new socket may reuse the client port of one whose 'close' has not run yet.
  if (context.table.known(socket) !== undefined) return;
  recordSocket(context, socket);
  context.gate.arrived();
}

/** A TLS handshake finished (`'secureConnection'`): link the TLS socket to the raw one it wraps. */
export function onSecureConnection(context: AdapterContext, tlsSocket: Socket): void {
  const connection = context.table.find(tlsSocket) ?? context.open(tlsSocket, "http1");
  if (connection === undefined) return;
  if (connection.raw !== tlsSocket) {
    connection.tls = tlsSocket;
    context.table.link(tlsSocket, connection);
    tlsSocket.on("close", context.socketClosed);
  }
}

/**
 * A request on an HTTP/1.1 connection (`'request'`, `'checkContinue'`, `'checkExpectation'`), seen before any
 * user listener runs. While serving only a pipelined one is held (serving.ts; attach.ts passes most requests on
 * before they get here). Once the shutdown has started, the response is registered before the engine hears of the
 * request, so a `mark-closing` that the engine answers synchronously already reaches it. Returns true when the
 * request must wait before it reaches the app: the listener is about to close (see `stopAcceptingWhenQuiet` in
 * binding.ts).
 */
export function onRequest(context: AdapterContext, request: IncomingMessage, response: ServerResponse): boolean {
  const track = context.tracker();
  if (track === undefined) return false;
  const socket = request.socket;
  const connection = findOrOpen(context, socket);
  if (connection === undefined) return false;
  // No track.bind(request): `connectionOfRequest` finds the connection from request.socket when asked.
  if (track.serving) {
    context.serving.request(connection, socket, response);
    return false;
  }
  // Already counted: a `checkContinue` handler may re-emit the same pair as `request`. (Looked up here rather
  // than marked on the response: a property added to every ServerResponse slows Node's own code that reads it.)
  if (connection.responses.has(response)) return false;
  connection.responses.add(response);
  if (connection.closing) markNewest(connection);
  track.request(connection.id);
  listenForEnd(context, connection, response);
  return context.gate.waiting;
}

/**
 * Hear `response`'s end. A plain listener, not one registered for dispose(): it dies with its response ('close' is
 * emitted once), and after dispose() `tracker()` is undefined so it does nothing. Only once serving has ended
 * (serving.ts hands over the responses in flight then).
 */
export function listenForEnd(context: AdapterContext, connection: Connection, response: ServerResponse): void {
  response.on("close", () => responseClosed(context, connection, response));
}

function responseClosed(context: AdapterContext, connection: Connection, response: ServerResponse): void {
  const track = context.tracker();
  if (track === undefined || connection.gone) return;
  if (connection.responses.delete(response)) {
    if (connection.marked === response) connection.marked = undefined;
    track.responseEnd(connection.id, carriedClose(response));
  }
}

/** The connection an HTTP/1.1 request arrived on, found from its socket (the engine's `track.idOf` asks this). */
export function connectionOfRequest(context: AdapterContext, request: object): Id | undefined {
  const socket = (request as { socket?: unknown }).socket;
  if (typeof socket !== "object" || socket === null) return undefined;
  let connection = socket instanceof TLSSocket ? context.table.find(socket) : context.table.known(socket);
  // A socket accepted while serving that has not been recorded yet (serving.ts): record it now.
  if (connection === undefined && context.serving.waits(socket as Socket)) connection = findOrOpen(context, socket as Socket);
  return connection === undefined || connection.gone ? undefined : connection.id;
}

/** An `'upgrade'` or `'connect'`: the socket leaves HTTP. */
export function onUpgrade(context: AdapterContext, request: IncomingMessage, socket: Socket): void {
  const track = context.tracker();
  if (track === undefined) return;
  const connection = findOrOpen(context, socket);
  if (connection === undefined) return;
  track.bind(request, connection.id);
  track.upgrade(connection.id);
}

/** Sockets accepted before `drain()` was attached are adopted the first time they carry a request. */
function findOrOpen(context: AdapterContext, socket: Socket): Connection | undefined {
  // Registered or linked: found directly (every request after a connection's first). By address only for a TLS
  // socket (its raw socket is the one registered); a raw socket is known or new.
  const known = context.table.known(socket) ?? (socket instanceof TLSSocket ? context.table.find(socket) : undefined);
  if (known !== undefined) return known;
  // Accepted while serving and not recorded yet (serving.ts): recorded now, with the time it was accepted.
  return recordSocket(context, socket, context.serving.claim(socket));
}

/**
 * Track `socket` as an HTTP/1 connection until it closes; `accepted`: see `AdapterContext.open`. `later`: the
 * socket's link and `'close'` listener come a microtask later (`AdapterContext.finishLater`; for the shutdown).
 */
export function recordSocket(context: AdapterContext, socket: Socket, accepted?: number, later = false): Connection | undefined {
  const connection = context.open(socket, "http1", undefined, accepted, !later);
  if (connection === undefined) return undefined;
  if (later) context.finishLater(connection);
  else socket.on("close", context.socketClosed);
  return connection;
}
