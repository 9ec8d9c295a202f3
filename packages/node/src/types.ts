import type { IncomingMessage, Server as HttpServer, ServerResponse } from "node:http";
import type { Http2SecureServer, Http2Server, Http2ServerRequest, Http2ServerResponse } from "node:http2";
import type { Server as HttpsServer } from "node:https";
import type { ClosableSocket, DrainOptions, Engine, SseOptions, SseStream } from "@drain/engine";

/** Every server `drain()` accepts; frameworks that return one of these (`@hono/node-server`'s `serve()`, express's `app.listen()`) fit too. */
export type DrainableServer = HttpServer | HttpsServer | Http2Server | Http2SecureServer;

/** A request as Node hands it to a handler, HTTP/1.1 or HTTP/2 compat. */
export type NodeRequest = IncomingMessage | Http2ServerRequest;
/** A response as Node hands it to a handler, HTTP/1.1 or HTTP/2 compat. */
export type NodeResponse = ServerResponse | Http2ServerResponse;

/** The parts of a `ws` WebSocket the adapter uses (kept structural so `ws` stays an optional peer). */
export interface WsSocket extends ClosableSocket {
  readonly readyState: number;
  once(event: "close", listener: () => void): unknown;
}

/** The parts of a `ws` WebSocketServer the adapter uses. */
export interface WsServer {
  readonly clients: ReadonlySet<WsSocket>;
  on(event: "connection", listener: (socket: WsSocket, request: IncomingMessage) => void): unknown;
  off(event: "connection", listener: (socket: WsSocket, request: IncomingMessage) => void): unknown;
}

/** Options of `drain()` for Node: the engine's options plus a `ws` server whose clients are drained too. */
export interface NodeDrainOptions extends DrainOptions {
  /** Every client of this `ws` WebSocketServer is registered: 1001 on drain, terminated at `wsCloseTimeoutMs`. */
  readonly websockets?: WsServer;
}

/**
 * A running drain for one Node server: the engine (usable wherever an `Engine` is expected) plus Node-shaped
 * overloads of `sse` and `websocket`.
 */
export interface NodeDrain extends Engine {
  readonly node: { readonly server: DrainableServer };
  /** The engine's own form: a web `Response` (for fetch-style apps such as Hono on `@hono/node-server`). */
  sse(start: (stream: SseStream) => void | Promise<void>, options?: SseOptions): Response;
  /**
   * Answer `req` with an engine-owned SSE stream: on drain it gets a last frame with a jittered `retry:` and ends.
   * On HTTP/1.1 during a shutdown the head carries `Connection: close`. Resolves when the stream has ended.
   */
  sse(req: NodeRequest, res: NodeResponse, start: (stream: SseStream) => void | Promise<void>, options?: Omit<SseOptions, "request">): Promise<void>;
  /**
   * Register one WebSocket: 1001 on drain, terminated at `wsCloseTimeoutMs`. A `ws` socket's close is noticed
   * by itself; the returned `closed()` is for other sockets. Pass the upgrade request (or `{ request }`).
   */
  websocket(socket: ClosableSocket, request?: NodeRequest | { readonly request?: object }): { closed(): void };
}
