import type { ActiveResources, ForcedDetails } from "./types.ts";

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
function peerOf(candidate: unknown): string | undefined {
  if (typeof candidate !== "object" || candidate === null) return undefined;
  const address = read(candidate, "remoteAddress");
  if (typeof address !== "string") return undefined;
  const port = read(candidate, "remotePort");
  return formatPeer(address, typeof port === "number" ? port : undefined);
}

/**
 * A client's address as forced items show it: `127.0.0.1:50412`, `[::1]:50412`, or the address alone when the port
 * is unknown; `undefined` for no address.
 *
 * @example
 * ```ts
 * formatPeer(address.hostname, address.port); // Deno's info.remoteAddr
 * ```
 */
export function formatPeer(address: string | undefined, port: number | undefined): string | undefined {
  if (address === undefined || address === "") return undefined;
  if (port === undefined || Number.isNaN(port)) return address;
  return `${address.includes(":") ? `[${address}]` : address}:${port}`;
}

/**
 * What the adapter's runtime says keeps the event loop alive, through Node's `process.getActiveResourcesInfo()`
 * (Node; Deno's Node compatibility layer, which does not list its own resources: `unseen` says what it leaves out).
 * `undefined` when the runtime has no such call.
 *
 * @example
 * ```ts
 * import process from "node:process";
 * activeResourcesOf(process); // { kinds: ["TCPServerWrap", "Timeout"] }
 * ```
 */
export function activeResourcesOf(target: object, unseen?: string): ActiveResources | undefined {
  const info = (target as { getActiveResourcesInfo?: () => string[] }).getActiveResourcesInfo;
  if (typeof info !== "function") return undefined;
  const kinds = info.call(target);
  return unseen === undefined ? { kinds } : { kinds, unseen };
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
