import { drainError } from "@drain/core";
import { assertOptionsObject, createEngine, exposeEngine, type ClosableSocket, type SseOptions, type SseStream } from "@drain/engine";
import { attach } from "./attach.ts";
import { createNodeBinding } from "./binding.ts";
import { Server as HttpServer } from "node:http";
import { Server as TlsServer } from "node:tls";
import { AdapterContext } from "./context.ts";
import { assertNodeServer } from "./runtime.ts";
import { bridgeSse, registerWebSocket, registerWebSocketServer } from "./helpers.ts";
import type { DrainableServer, NodeDrain, NodeDrainOptions, NodeRequest, NodeResponse, WsSocket } from "./types.ts";

/** Servers with a drain attached: a second one would track every socket twice. */
const attached = new WeakSet<object>();

/**
 * Drain a `node:http`, `node:https` or `node:http2` server on SIGTERM/SIGINT (or `shutdown()`): readiness fails,
 * the listener closes, idle and never-used sockets close at once, in-flight responses get `Connection: close`,
 * HTTP/2 sessions get GOAWAY, SSE streams end with a `retry:` hint, WebSockets get 1001, and whatever remains
 * at the deadline is destroyed. Call it once per server, before or after `listen()`.
 *
 * @example
 * ```ts
 * import { createServer } from "node:http";
 * import { drain } from "@drain/node";
 *
 * const server = createServer((req, res) => res.end("ok"));
 * const drained = drain(server, { timeoutMs: 20_000 });
 * drained.onShutdown("db", () => pool.end());
 * server.listen(3000);
 * ```
 */
export function drain(server: DrainableServer, options: NodeDrainOptions = {}): NodeDrain {
  assertNodeServer(server);
  assertOptionsObject(options);
  if (attached.has(server)) {
    throw drainError("ERR_DRAIN_ALREADY_ATTACHED", "drain() is already attached to this server. Call dispose() on the first one before attaching again.");
  }
  const { websockets, ...engineOptions } = options;
  // A plain `http.Server` never hands over a TLS socket or an HTTP/2 session: no socket's address is needed.
  const context = new AdapterContext(options.keepAliveGraceMs, !(server instanceof HttpServer), server instanceof TlsServer);
  const binding = createNodeBinding(server, context, () => attached.delete(server));
  const engine = createEngine({ env: process.env, ...engineOptions }, binding);
  attached.add(server);
  attach(context, server);
  if (websockets !== undefined) registerWebSocketServer(engine, context, websockets);

  function sse(start: (stream: SseStream) => void | Promise<void>, options?: SseOptions): Response;
  function sse(req: NodeRequest, res: NodeResponse, start: (stream: SseStream) => void | Promise<void>, options?: Omit<SseOptions, "request">): Promise<void>;
  function sse(...args: unknown[]): Response | Promise<void> {
    if (typeof args[0] === "function") return engine.sse(args[0] as (stream: SseStream) => void, args[1] as SseOptions | undefined);
    const [req, res, start, sseOptions] = args as [NodeRequest, NodeResponse, (stream: SseStream) => void, Omit<SseOptions, "request"> | undefined];
    return bridgeSse(engine, context, req, res, start, sseOptions);
  }

  return exposeEngine(engine, {
    node: { server },
    sse,
    websocket(socket: ClosableSocket, request?: NodeRequest | { readonly request?: object }) {
      if (request !== undefined && !("headers" in request)) return engine.websocket(socket, request);
      if (isWsSocket(socket)) return registerWebSocket(engine, socket, request);
      return engine.websocket(socket, request === undefined ? undefined : { request });
    },
  });
}

function isWsSocket(socket: ClosableSocket): socket is WsSocket {
  const candidate = socket as Partial<WsSocket>;
  return typeof candidate.once === "function" && typeof candidate.readyState === "number";
}
