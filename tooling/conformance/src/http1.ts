/**
 * A raw HTTP/1.1 client over `node:net` / `node:tls` that reports exactly what the client saw:
 * status, headers and body of each response, and how the connection ended (FIN or reset).
 * No agent, no retries, no automatic reconnects: one socket, driven by the test.
 */
import net from "node:net";
import tls from "node:tls";

/** How the server ended a connection, as the client saw it. */
export interface ConnectionEnd {
  /** `FIN`: an orderly end ('end' event). `RST`: ECONNRESET / EPIPE (or any other socket error). */
  readonly kind: "FIN" | "RST";
  /** `performance.now()` when the client saw it. */
  readonly at: number;
  /** The socket error code for `RST`. */
  readonly error?: string;
}

export interface HttpResponse {
  readonly status: number;
  /** Lower-cased names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** `performance.now()` when the whole response had arrived. */
  readonly at: number;
  /** The response carried `Connection: close`. */
  readonly connectionClose: boolean;
}

export interface RequestOptions {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** Raised when a connection ends (or a wait runs out) before a complete response arrived. */
export class NoResponseError extends Error {
  readonly code: string;
  readonly end: ConnectionEnd | undefined;
  constructor(message: string, end: ConnectionEnd | undefined) {
    super(message);
    this.name = "NoResponseError";
    this.code = end === undefined ? "E_NO_RESPONSE_TIMEOUT" : `E_NO_RESPONSE_${end.kind}`;
    this.end = end;
  }
}

/** One client connection and everything it received. */
export interface RawConnection {
  readonly socket: net.Socket;
  /** Resolves when the server ended the connection (never rejects). */
  readonly ended: Promise<ConnectionEnd>;
  /** How the connection ended, or undefined while it is open. */
  end(): ConnectionEnd | undefined;
  /** Send bytes as they are. */
  write(data: string | Uint8Array): void;
  /** Send one request and read its response. */
  request(path: string, options?: RequestOptions): Promise<HttpResponse>;
  /** Send one request without waiting. */
  send(path: string, options?: RequestOptions): void;
  /** Send several GET requests in one write, without waiting (HTTP/1.1 pipelining). */
  pipeline(paths: readonly string[]): void;
  /** Read the next response (rejects with NoResponseError when the connection ends first or after `timeoutMs`). */
  readResponse(timeoutMs?: number): Promise<HttpResponse>;
  /** Unconsumed received bytes. */
  buffered(): Buffer;
  /** Drop `n` received bytes from the front. */
  consume(n: number): void;
  /** Resolves on the next received bytes or on the end of the connection. */
  nextChange(): Promise<void>;
  /** Stop reading from the socket (the kernel buffers fill, the server's writes back up). */
  pause(): void;
  /** Close from the client side at once. */
  destroy(): void;
}

export interface ConnectOptions {
  /** Use TLS (self-signed test certificate, so not verified). Default: from the URL scheme. */
  readonly tls?: boolean;
  /** ALPN offer for TLS. Default `["http/1.1"]`. */
  readonly alpn?: readonly string[];
  /** Fail the connect after this long. Default 5000 ms. */
  readonly timeoutMs?: number;
}

/** Raised when a connection could not be made; `code` is the socket error (ECONNREFUSED, …). */
export class ConnectError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "ConnectError";
    this.code = code;
  }
}

/**
 * Connect and send nothing (a browser's preconnect). Resolves once TCP (and TLS) is established.
 *
 * @example
 * ```ts
 * const conn = await connect(fixture.url);
 * const response = await conn.request("/");
 * ```
 */
export function connect(url: string, options: ConnectOptions = {}): Promise<RawConnection> {
  const target = new URL(url);
  const secure = options.tls ?? target.protocol === "https:";
  const port = Number(target.port);
  const host = target.hostname.replace(/^\[|\]$/g, "");
  return new Promise((resolve, reject) => {
    const socket = secure
      ? tls.connect({ host, port, rejectUnauthorized: false, ALPNProtocols: [...(options.alpn ?? ["http/1.1"])] })
      : net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new ConnectError("ETIMEDOUT", `connect to ${url} took longer than ${options.timeoutMs ?? 5000} ms`));
    }, options.timeoutMs ?? 5000);
    const onError = (error: NodeJS.ErrnoException): void => {
      clearTimeout(timer);
      reject(new ConnectError(error.code ?? "EUNKNOWN", `connect to ${url} failed: ${error.message}`));
    };
    socket.once("error", onError);
    socket.once(secure ? "secureConnect" : "connect", () => {
      clearTimeout(timer);
      socket.off("error", onError);
      resolve(wrap(socket, target.host));
    });
  });
}

/** Try to connect; resolves with the error code instead of rejecting (for "is the listener closed?"). */
export async function tryConnect(url: string, options: ConnectOptions = {}): Promise<{ readonly connection?: RawConnection; readonly error?: string }> {
  try {
    return { connection: await connect(url, options) };
  } catch (error) {
    return { error: (error as ConnectError).code };
  }
}

function wrap(socket: net.Socket, hostHeader: string): RawConnection {
  socket.setNoDelay(true);
  let buffer: Buffer = Buffer.alloc(0);
  let ended: ConnectionEnd | undefined;
  let wake: Array<() => void> = [];
  const notify = (): void => {
    const waiting = wake;
    wake = [];
    for (const resolve of waiting) resolve();
  };
  let resolveEnded: (end: ConnectionEnd) => void = () => {};
  const endedPromise = new Promise<ConnectionEnd>((resolve) => {
    resolveEnded = resolve;
  });
  const finish = (end: ConnectionEnd): void => {
    if (ended !== undefined) return;
    ended = end;
    resolveEnded(end);
    notify();
  };
  socket.on("data", (chunk: Buffer) => {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    notify();
  });
  socket.on("end", () => finish({ kind: "FIN", at: performance.now() }));
  socket.on("error", (error: NodeJS.ErrnoException) => finish({ kind: "RST", at: performance.now(), error: error.code ?? error.message }));
  // A close without 'end' or 'error' (e.g. our own destroy) still ends the wait.
  socket.on("close", () => finish({ kind: "RST", at: performance.now(), error: "closed" }));

  const connection: RawConnection = {
    socket,
    ended: endedPromise,
    end: () => ended,
    write(data): void {
      if (!socket.destroyed) socket.write(data);
    },
    send(path, options = {}): void {
      connection.write(serialize(hostHeader, path, options));
    },
    pipeline(paths): void {
      // One write, so the server gets every head in one read rather than one request at a time.
      connection.write(paths.map((path) => serialize(hostHeader, path, {})).join(""));
    },
    request(path, options = {}): Promise<HttpResponse> {
      connection.send(path, options);
      return connection.readResponse();
    },
    async readResponse(timeoutMs = 10_000): Promise<HttpResponse> {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const parsed = parseResponse(buffer, ended !== undefined);
        if (parsed !== undefined) {
          buffer = buffer.subarray(parsed.consumed);
          return parsed.response;
        }
        if (ended !== undefined) {
          throw new NoResponseError(`the connection ended (${ended.kind}${ended.error ? ` ${ended.error}` : ""}) before a complete response`, ended);
        }
        const left = deadline - performance.now();
        if (left <= 0) throw new NoResponseError(`no complete response within ${timeoutMs} ms`, undefined);
        await Promise.race([connection.nextChange(), delay(left)]);
      }
    },
    buffered: () => buffer,
    consume(n): void {
      buffer = buffer.subarray(n);
    },
    nextChange(): Promise<void> {
      if (ended !== undefined) return Promise.resolve();
      return new Promise((resolve) => wake.push(resolve));
    },
    pause(): void {
      socket.pause();
    },
    destroy(): void {
      socket.destroy();
    },
  };
  return connection;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function serialize(host: string, path: string, options: RequestOptions): string {
  const headers: Record<string, string> = { host, ...options.headers };
  if (options.body !== undefined) headers["content-length"] = String(Buffer.byteLength(options.body));
  else if ((options.method ?? "GET") !== "GET") headers["content-length"] = "0";
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  return `${options.method ?? "GET"} ${path} HTTP/1.1\r\n${lines.join("")}\r\n${options.body ?? ""}`;
}

export interface ResponseHead {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** Bytes taken by the head, including the blank line. */
  readonly length: number;
}

/** Parse a response head at the start of `data`, or undefined when it is not complete yet. */
export function parseHead(data: Buffer): ResponseHead | undefined {
  const end = data.indexOf("\r\n\r\n");
  if (end === -1) return undefined;
  const [statusLine = "", ...lines] = data.subarray(0, end).toString("latin1").split("\r\n");
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (match === null) throw new Error(`not an HTTP/1.1 status line: ${JSON.stringify(statusLine)}`);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { status: Number(match[1]), headers, length: end + 4 };
}

/** Whether a `Connection` header value asks to close. */
export function isConnectionClose(headers: Readonly<Record<string, string>>): boolean {
  return (headers["connection"] ?? "").toLowerCase().split(",").some((token) => token.trim() === "close");
}

export interface ChunkedBody {
  /** The decoded bytes so far. */
  readonly data: Buffer;
  /** Bytes consumed from the input. */
  readonly consumed: number;
  /** The terminal `0\r\n\r\n` was seen. */
  readonly complete: boolean;
}

/** Decode as many whole chunks as `data` holds. */
export function decodeChunks(data: Buffer): ChunkedBody {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = data.indexOf("\r\n", offset);
    if (lineEnd === -1) break;
    const size = Number.parseInt(data.subarray(offset, lineEnd).toString("latin1").split(";")[0] ?? "", 16);
    if (Number.isNaN(size)) throw new Error(`bad chunk size line: ${JSON.stringify(data.subarray(offset, lineEnd).toString("latin1"))}`);
    if (size === 0) {
      // Trailers (none expected) end with an empty line.
      const trailerEnd = data.indexOf("\r\n", lineEnd + 2);
      if (trailerEnd === -1) break;
      if (trailerEnd === lineEnd + 2) return { data: Buffer.concat(parts), consumed: trailerEnd + 2, complete: true };
      offset = trailerEnd + 2;
      continue;
    }
    if (data.length < lineEnd + 2 + size + 2) break;
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
  return { data: Buffer.concat(parts), consumed: offset, complete: false };
}

function parseResponse(data: Buffer, ended: boolean): { response: HttpResponse; consumed: number } | undefined {
  const head = parseHead(data);
  if (head === undefined) return undefined;
  const rest = data.subarray(head.length);
  const done = (body: Buffer, used: number): { response: HttpResponse; consumed: number } => ({
    response: {
      status: head.status,
      headers: head.headers,
      body: body.toString("utf8"),
      at: performance.now(),
      connectionClose: isConnectionClose(head.headers),
    },
    consumed: head.length + used,
  });
  if (head.status === 101 || head.status === 204 || head.status === 304 || (head.status >= 100 && head.status < 200)) {
    return done(Buffer.alloc(0), 0);
  }
  if ((head.headers["transfer-encoding"] ?? "").toLowerCase().includes("chunked")) {
    const body = decodeChunks(rest);
    return body.complete ? done(body.data, body.consumed) : undefined;
  }
  const length = head.headers["content-length"];
  if (length !== undefined) {
    const n = Number(length);
    return rest.length >= n ? done(rest.subarray(0, n), n) : undefined;
  }
  // No length: the body runs to the end of the connection.
  return ended ? done(rest, rest.length) : undefined;
}
