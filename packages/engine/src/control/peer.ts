import type { ControlPeer } from "./types.ts";

/**
 * Whether a TCP peer address is loopback: 127.0.0.0/8, `::1`, or either written as IPv4-mapped IPv6.
 * The listener binds to loopback only; this check is the second lock, against a misbound or proxied listener.
 */
export function isLoopbackPeer(peer: ControlPeer): boolean {
  if (peer.transport === "unix") return true;
  const address = peer.address.toLowerCase().replace(/^\[|\]$/g, "");
  if (address === "::1" || address === "0:0:0:0:0:0:0:1") return true;
  const v4 = address.startsWith("::ffff:") ? address.slice("::ffff:".length) : address;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/**
 * Whether the `Host` header names loopback. A web page can make a browser send requests to 127.0.0.1 under a
 * name it controls (DNS rebinding); such a request carries that name in `Host` and is refused.
 */
export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase().replace(/:\d+$/, "");
  return name === "localhost" || name === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}
