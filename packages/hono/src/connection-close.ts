import { asksToClose } from "@drain/engine";
import type { Context } from "hono";
import { servedByNode } from "./context.ts";
import { isWebSocketUpgrade } from "./upgrade.ts";

/**
 * Tell an HTTP/1.1 client to leave this connection after this response, so its next request opens a new one
 * (to another instance). The runtime adapters do the same for responses on connections they marked closing;
 * this covers every response during the shutdown, and both set the same single value.
 *
 * Left alone:
 * - requests served by Node: `@drain/node` sees the connection, so it does this itself (GOAWAY for HTTP/2, and for
 *   HTTP/1.1 `Connection: close` on the newest response in flight only: marking every response would make Node
 *   end the socket after the first and drop the pipelined requests behind it, unanswered);
 * - WebSocket upgrades (the connection belongs to the socket);
 * - requests that already asked for `Connection: close` (the runtime answers that itself, and a second header
 *   would read "close, close", which clients do not take as close; measured on Deno 2.9.6).
 */
export function markConnectionClose(c: Context): void {
  if (servedByNode(c) || isWebSocketUpgrade(c) || asksToClose(c.req.header("connection"))) return;
  const response = c.res;
  if (response.status === 101 || response.type === "error") return;
  try {
    // In place: a copy of a Response would lose the content type Bun adds to a bare string body.
    response.headers.set("connection", "close");
  } catch {
    // Immutable headers (Response.redirect(), a fetched Response): Hono's own header() copies it.
    c.header("connection", "close");
  }
}

