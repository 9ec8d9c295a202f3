import process from "node:process";
import type { Id } from "@drain/core";
import { activeResourcesOf, formatPeer, type ActiveResources, type ForcedDetails } from "@drain/engine";
import type { AdapterContext } from "./context.ts";

/**
 * What Node tells about a forced connection, read from the record the adapter keeps per connection anyway, at
 * force time only: the peer (from the accepted socket), the newest HTTP/1.1 request in flight (`res.req`), and the
 * bytes written on the connection so far (`socket.bytesWritten`: the whole connection's, earlier responses on a
 * keep-alive connection included; per-response counts would cost every request). HTTP/2 streams are not kept per
 * connection, so an HTTP/2 session is described by its peer and bytes only.
 *
 * @example
 * ```ts
 * describeConnection(context, 7); // { peer: "127.0.0.1:50412", method: "GET", path: "/hang", bytesSent: 0 }
 * ```
 */
export function describeConnection(context: AdapterContext, id: Id): ForcedDetails | undefined {
  const connection = context.table.byId(id);
  if (connection === undefined) return undefined;
  const details: { peer?: string; method?: string; path?: string; bytesSent?: number } = {};
  const peer = formatPeer(connection.raw.remoteAddress, connection.raw.remotePort) ?? keyPeer(connection.key);
  if (peer !== undefined) details.peer = peer;
  const request = connection.kind === "http1" ? connection.responses.newest()?.req : undefined;
  if (request?.method !== undefined) details.method = request.method;
  if (request?.url !== undefined) details.path = request.url;
  // The TLS socket counts what the application wrote; the raw one would count TLS records.
  const written = (connection.tls ?? connection.raw).bytesWritten;
  if (typeof written === "number") details.bytesSent = written;
  return details;
}

/**
 * What keeps Node's event loop alive: `process.getActiveResourcesInfo()` (Node 17.3+), one kind per ref'd
 * resource (`Timeout`, `TCPSocketWrap`, `TCPServerWrap`, `FSReqCallback`, …). Unref'd timers are not listed,
 * so drain's own look at it is not either (measured on Node 20, 24 and 26: docs/runtime-facts.md).
 */
export function activeResources(): ActiveResources | undefined {
  return activeResourcesOf(process);
}

/** The `address|port` taken at accept, for a socket that no longer knows its peer. */
function keyPeer(key: string | undefined): string | undefined {
  if (key === undefined) return undefined;
  const bar = key.lastIndexOf("|");
  return formatPeer(key.slice(0, bar), Number(key.slice(bar + 1)));
}
