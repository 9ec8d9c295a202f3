/**
 * `response` with `Connection: close`. The header is set in place when the headers are mutable
 * (that keeps the body and Deno's implicit content type untouched); immutable ones, as on
 * `Response.redirect()`, get a copy that shares the body. A 101 Switching Protocols (the connection
 * now belongs to a WebSocket) and a network error (`Response.error()`) are returned untouched.
 *
 * @example
 * ```ts
 * return withConnectionClose(Response.redirect("https://example.com/", 302));
 * ```
 */
export function withConnectionClose(response: Response): Response {
  if (response.status === 101 || response.type === "error") return response;
  try {
    response.headers.set("connection", "close");
    return response;
  } catch {
    const headers = new Headers(response.headers);
    headers.set("connection", "close");
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  }
}
