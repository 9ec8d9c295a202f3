/**
 * Whether a `Connection` header value lists the `close` token (case-insensitive, in a comma-separated list).
 * A request that asks for close gets it from the runtime itself; adding drain's own would send the header twice
 * ("close, close"), which clients do not read as close (measured on Deno 2.9.6).
 *
 * @example
 * ```ts
 * asksToClose(request.headers.get("connection")); // true for "close" or "Keep-Alive, Close"
 * ```
 */
export function asksToClose(connectionHeader: string | null | undefined): boolean {
  return /(^|,)\s*close\s*(,|$)/i.test(connectionHeader ?? "");
}
