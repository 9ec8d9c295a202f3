import type { ServerResponse } from "node:http";
import type { Http2ServerResponse } from "node:http2";
import { pipeWebBody } from "@drain/engine/control";

/** Headers that describe the connection, not the message: HTTP/2 forbids them. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"]);

export interface WriteResponseOptions {
  /** HTTP/1.1 only: send `Connection: close`, so Node closes the socket once the body ends. */
  readonly closing?: boolean;
}

/**
 * Write a web `Response` (from `engine.readiness()`, `engine.sse()`, a fetch-style app) to a Node response,
 * streaming its body with back-pressure. Resolves when the body is written or the client went away; never rejects.
 * A body that errors (an SSE stream destroyed at the deadline) destroys the response, so the client sees the cut.
 *
 * @example
 * ```ts
 * http.createServer((req, res) => {
 *   if (req.url === "/ready") return void writeResponse(res, drained.readiness());
 *   res.end("ok");
 * });
 * ```
 */
export async function writeResponse(
  res: ServerResponse | Http2ServerResponse,
  response: Response,
  options: WriteResponseOptions = {},
): Promise<void> {
  const http2 = res.req.httpVersionMajor >= 2;
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name === "set-cookie" || (http2 && HOP_BY_HOP.has(name))) return;
    headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  if (options.closing === true && !http2) headers["connection"] = "close";
  if (response.statusText !== "" && !http2) (res as ServerResponse).writeHead(response.status, response.statusText, headers);
  else res.writeHead(response.status, headers);
  // The head goes out now: an SSE client must see 200 before the first event.
  if (!http2 && response.body !== null) (res as ServerResponse).flushHeaders();
  await pipeWebBody(res, response.body);
}
