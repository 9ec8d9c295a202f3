import type { ServerResponse } from "node:http";
import type { Http2ServerResponse } from "node:http2";

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
  if (response.body === null) {
    await endResponse(res);
    return;
  }
  // The head goes out now: an SSE client must see 200 before the first event.
  if (!http2) (res as ServerResponse).flushHeaders();
  await pipeBody(res, response.body);
}

async function pipeBody(res: ServerResponse | Http2ServerResponse, body: ReadableStream<Uint8Array>): Promise<void> {
  const reader = body.getReader();
  let clientGone = false;
  const onClose = (): void => {
    clientGone = true;
    reader.cancel().catch(() => undefined);
  };
  res.once("close", onClose);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || clientGone) break;
      if (!(res as ServerResponse).write(value)) await drained(res);
    }
    if (!clientGone) await endResponse(res);
  } catch {
    // No error argument: an 'error' event on the socket or stream would need a listener the app may not have.
    res.destroy();
  } finally {
    res.off("close", onClose);
    reader.releaseLock();
  }
}

/** Resolve when the response can take more bytes, or has closed. */
function drained(res: ServerResponse | Http2ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

/** End the response; resolves on finish, or on close when the socket went away first. */
function endResponse(res: ServerResponse | Http2ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    res.once("close", resolve);
    (res as ServerResponse).end(() => resolve());
  });
}
