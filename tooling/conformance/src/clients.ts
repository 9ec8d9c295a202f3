/**
 * The suite's clients in one place, plus `fetchOnce`: one request on a fresh connection in the
 * target's own protocol (HTTP/2 for h2c/h2 targets, HTTP/1.1 otherwise).
 */
import { connect, type HttpResponse, type RequestOptions } from "./http1.ts";
import { openH2 } from "./http2.ts";

export { connect, tryConnect, ConnectError, NoResponseError, isConnectionClose } from "./http1.ts";
export type { ConnectionEnd, HttpResponse, RawConnection, RequestOptions } from "./http1.ts";
export { openSse } from "./sse.ts";
export type { SseEvent, SseReader, SseResult } from "./sse.ts";
export { openWebSocket, openDeafWebSocket } from "./websocket.ts";
export type { DeafWebSocket, WsClient, WsClose } from "./websocket.ts";
export { openH2 } from "./http2.ts";
export type { Goaway, H2Response, H2Session } from "./http2.ts";

export interface OnceResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly at: number;
}

/**
 * One request on a new connection, closed afterwards. `http2` picks HTTP/2.
 *
 * @example
 * ```ts
 * const ready = await fetchOnce(fixture.url, "/ready", { http2: false });
 * ```
 */
export async function fetchOnce(url: string, path: string, options: RequestOptions & { readonly http2: boolean }): Promise<OnceResponse> {
  if (options.http2) {
    const session = await openH2(url);
    try {
      return await session.request(path, options.method === undefined ? {} : { method: options.method });
    } finally {
      session.close();
    }
  }
  const connection = await connect(url);
  try {
    const response: HttpResponse = await connection.request(path, { ...options, headers: { connection: "close", ...options.headers } });
    return response;
  } finally {
    connection.destroy();
  }
}
