/**
 * An HTTP/2 client (`node:http2`) for h2c (prior knowledge) and h2 (TLS, ALPN): records the GOAWAY the
 * session receives, when the session closes, and the result of each stream.
 */
import http2 from "node:http2";

export interface Goaway {
  readonly errorCode: number;
  readonly lastStreamID: number;
  readonly at: number;
}

export interface H2Response {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly at: number;
}

export interface H2Session {
  readonly session: http2.ClientHttp2Session;
  /** Resolves with the first GOAWAY received (stays pending if none arrives). */
  readonly goaway: Promise<Goaway>;
  /** The GOAWAY received so far, if any. */
  goawayReceived(): Goaway | undefined;
  /** Resolves with `performance.now()` when the session closed (never rejects). */
  readonly closed: Promise<number>;
  /** One request; rejects with the stream error (e.g. `ERR_HTTP2_STREAM_ERROR`) if the stream fails. */
  request(path: string, options?: { readonly method?: string }): Promise<H2Response>;
  close(): void;
  destroy(): void;
}

/**
 * Open a session and wait for the server's SETTINGS, so the server has surely seen it.
 *
 * @example
 * ```ts
 * const h2 = await openH2(fixture.url);
 * const response = await h2.request("/");
 * ```
 */
export function openH2(url: string, timeoutMs = 5000): Promise<H2Session> {
  const session = http2.connect(url, { rejectUnauthorized: false });
  let received: Goaway | undefined;
  const goaway = new Promise<Goaway>((resolve) => {
    session.on("goaway", (errorCode, lastStreamID) => {
      received ??= { errorCode, lastStreamID, at: performance.now() };
      resolve(received);
    });
  });
  const closed = new Promise<number>((resolve) => session.once("close", () => resolve(performance.now())));
  // Errors end the session; tests look at 'close' and at stream results.
  session.on("error", () => {});
  const wrapper: H2Session = {
    session,
    goaway,
    goawayReceived: () => received,
    closed,
    request: (path, options = {}) =>
      new Promise((resolve, reject) => {
        const stream = session.request({ ":path": path, ":method": options.method ?? "GET" });
        stream.end();
        let status = 0;
        let headers: Record<string, string> = {};
        const chunks: Buffer[] = [];
        stream.on("response", (incoming) => {
          status = Number(incoming[":status"]);
          headers = Object.fromEntries(Object.entries(incoming).map(([name, value]) => [name, String(value)]));
        });
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.on("end", () => {
          // A stream cut by a destroyed session can end without ever having had a response.
          if (status === 0) reject(Object.assign(new Error(`HTTP/2 stream ${path} ended without a response`), { code: "E_NO_RESPONSE" }));
          else resolve({ status, headers, body: Buffer.concat(chunks).toString("utf8"), at: performance.now() });
        });
        stream.on("error", (error: NodeJS.ErrnoException) => reject(Object.assign(new Error(`HTTP/2 stream ${path} failed: ${error.message}`), { code: error.code })));
        stream.on("close", () => {
          if (status === 0) reject(Object.assign(new Error(`HTTP/2 stream ${path} closed without a response`), { code: "E_NO_RESPONSE" }));
          if (stream.rstCode !== undefined && stream.rstCode !== http2.constants.NGHTTP2_NO_ERROR) {
            reject(Object.assign(new Error(`HTTP/2 stream ${path} reset with code ${stream.rstCode}`), { code: "E_STREAM_RESET" }));
          }
        });
      }),
    close: () => session.close(),
    destroy: () => session.destroy(),
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      session.destroy();
      reject(new Error(`HTTP/2 session to ${url} got no SETTINGS within ${timeoutMs} ms`));
    }, timeoutMs);
    session.once("remoteSettings", () => {
      clearTimeout(timer);
      resolve(wrapper);
    });
    session.once("close", () => {
      clearTimeout(timer);
      reject(new Error(`HTTP/2 session to ${url} closed before the server's SETTINGS`));
    });
  });
}
