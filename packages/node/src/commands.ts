import type { ServerResponse } from "node:http";
import { constants as http2Constants } from "node:http2";
import type { Socket } from "node:net";
import { asksToClose, type ConnectionCommand } from "@drain/engine";
import type { Connection } from "./connections.ts";
import type { AdapterContext } from "./context.ts";

/**
 * Carry out the core's connection commands on Node sockets and sessions.
 * `closeListener` stops accepting; it is passed in because which `close` to call depends on the server.
 */
export function createCommandRunner(context: AdapterContext, closeListener: () => void): (command: ConnectionCommand) => void {
  return (command) => {
    switch (command.type) {
      case "stop-accepting":
        closeListener();
        return;
      case "force-remaining":
        // Not expected (forceConnection is true), but honoured: destroy everything still tracked.
        for (const connection of context.table.all()) destroy(connection);
        return;
      default:
        break;
    }
    // Unknown: already gone (the core forgets on `closed`, so this is a race with the socket's own close).
    const connection = context.table.byId(command.id);
    if (connection === undefined) return;
    switch (command.type) {
      case "mark-closing":
        markClosing(connection);
        return;
      case "close":
        close(connection);
        return;
      case "goaway":
        connection.session?.close();
        return;
      case "destroy":
        destroy(connection);
        return;
    }
  };
}

/** From now on the connection ends after its newest response (see `markNewest`). */
export function markClosing(connection: Connection): void {
  connection.closing = true;
  if (connection.kind !== "http1") return; // HTTP/2 forbids connection headers; GOAWAY does this job there.
  markNewest(connection);
}

/**
 * `Connection: close` on the newest response in flight only: Node ends the socket after a response that carries
 * it, so marking an older pipelined response would drop the ones queued behind it unanswered. A request pipelined
 * later takes the mark over from the previous newest, while that one's head is not yet on the wire.
 */
export function markNewest(connection: Connection): void {
  const newest = connection.responses.newest();
  const previous = connection.marked;
  if (newest === undefined || newest === previous) return;
  if (previous !== undefined && !previous.headersSent && !previous.destroyed) previous.removeHeader("connection");
  markResponse(newest);
  connection.marked = newest;
}

/**
 * Node honours the header itself: a response that carries it makes Node end the socket after the response
 * (docs/runtime-facts.md, "Node: `Connection: close` on a response in flight"). Too late once the head is on the wire; the core then closes the idle connection.
 */
export function markResponse(response: ServerResponse): void {
  if (!response.headersSent && !response.destroyed) response.setHeader("connection", "close");
}

/** Whether a finished response told the client the connection closes after it. */
export function carriedClose(response: ServerResponse): boolean {
  // shouldKeepAlive is false when the request itself asked to close (HTTP/1.0, `Connection: close`).
  if (response.shouldKeepAlive === false) return true;
  const header = response.getHeader("connection");
  if (header === undefined) return false;
  return asksToClose(Array.isArray(header) ? header.join(",") : String(header));
}

/** Close a connection with nothing in flight. */
function close(connection: Connection): void {
  if (connection.session !== undefined) {
    connection.session.close();
    return;
  }
  const socket = connection.tls ?? connection.raw;
  // A socket with bytes still queued is ended, so those bytes are not thrown away; the client answers the FIN.
  if (socket.writableLength > 0) {
    socket.end();
    socket.once("finish", () => socket.destroy());
    return;
  }
  destroySocket(socket);
}

function destroy(connection: Connection): void {
  // With an error code the GOAWAY tells the client its open streams were cut. A plain destroy() sends
  // GOAWAY(NO_ERROR), and Node's client then ends such a stream like a complete, empty response (measured).
  // Node reports the error as a 'sessionError' on the server (its own session listener catches it).
  connection.session?.destroy(new Error("drain: HTTP/2 session destroyed at the shutdown deadline"), http2Constants.NGHTTP2_CANCEL);
  if (connection.tls !== undefined) destroySocket(connection.tls);
  destroySocket(connection.raw);
}

function destroySocket(socket: Socket): void {
  if (!socket.destroyed) socket.destroy();
}
