import type { ForcedDetails } from "./types.ts";

/**
 * What a request object tells about itself, read structurally at force time: a web `Request` (absolute `url`), a
 * Node `IncomingMessage` (`url` is the path, the peer is on `socket`), or a socket-like object with `remoteAddress`
 * (Bun's ServerWebSocket). Never throws: a getter that throws leaves its field out.
 *
 * @example
 * ```ts
 * requestDetails(new Request("http://x/events?a=1")); // { method: "GET", path: "/events?a=1" }
 * ```
 */
export function requestDetails(request: object | undefined): ForcedDetails {
  if (request === undefined) return {};
  const out: { peer?: string; method?: string; path?: string } = {};
  const method = read(request, "method");
  if (typeof method === "string") out.method = method;
  const url = read(request, "url");
  if (typeof url === "string") out.path = pathOf(url);
  const peer = peerOf(request) ?? peerOf(read(request, "socket"));
  if (peer !== undefined) out.peer = peer;
  return out;
}

/** `address:port` (or the address alone) of an object with `remoteAddress`/`remotePort`. */
export function peerOf(candidate: unknown): string | undefined {
  if (typeof candidate !== "object" || candidate === null) return undefined;
  const address = read(candidate, "remoteAddress");
  if (typeof address !== "string" || address === "") return undefined;
  const port = read(candidate, "remotePort");
  const host = address.includes(":") ? `[${address}]` : address;
  return typeof port === "number" ? `${host}:${port}` : address;
}

function pathOf(url: string): string {
  if (url.startsWith("/")) return url;
  try {
    const parsed = new URL(url);
    return parsed.pathname + parsed.search;
  } catch {
    return url;
  }
}

function read(object: object, key: string): unknown {
  try {
    return (object as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}
