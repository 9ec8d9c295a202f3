import type { Context } from "hono";
import { isHttp2 } from "./context.ts";
import { isWebSocketUpgrade } from "./upgrade.ts";

/**
 * Tell an HTTP/1.1 client to leave this connection after this response, so its next request opens a new one
 * (to another instance). The runtime adapters do the same for responses on connections they marked closing;
 * this covers every response during the shutdown, and both set the same single value.
 *
 * Left alone: HTTP/2 (no `Connection` header there; the adapter sends GOAWAY), WebSocket upgrades (the connection
 * belongs to the socket), and requests that already asked for `Connection: close` (the runtime answers that itself,
 * and a second header would read "close, close", which clients do not take as close; measured on Deno 2.9.6).
 */
export function markConnectionClose(c: Context): void {
  if (isHttp2(c) || isWebSocketUpgrade(c) || clientCloses(c)) return;
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

function clientCloses(c: Context): boolean {
  return /(^|,)\s*close\s*(,|$)/i.test(c.req.header("connection") ?? "");
}
