import { drainError } from "@drain/core";
import { assertOptionsObject, createEngine, type ClosableSocket, type RuntimeBinding, type SseOptions, type SseStream } from "@drain/engine";
import { attach } from "./attach.ts";
import { createCommandRunner } from "./commands.ts";
import { serveControl } from "./control-listener.ts";
import { connectionOfRequest } from "./http1.ts";
import { notifySupervisor } from "./systemd-notify.ts";
import { AdapterContext } from "./context.ts";
import { assertNodeServer } from "./guard.ts";
import { bridgeSse, registerWebSocket, registerWebSocketServer } from "./helpers.ts";
import type { DrainableServer, NodeDrain, NodeDrainOptions, NodeRequest, NodeResponse, WsSocket } from "./types.ts";

/** Servers with a drain attached: a second one would track every socket twice. */
const attached = new WeakSet<object>();

/** Everything Node lets this adapter do: it sees and controls each socket and session (runtime notes, Node adapter). */
const CAPABILITIES = {
  closeConnection: true,
  forceConnection: true,
  seesNeverUsed: true,
  goaway: true,
  connectionClose: true,
  // The listener closes after the current poll phase (see stopAccepting) and says so.
  reportsListenerClosed: true,
} as const;

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
  const context = new AdapterContext();
  context.run = createCommandRunner(context, () => stopAccepting(server, () => context.tracker()?.listenerClosed()));
  const binding: RuntimeBinding = {
    runtime: "node",
    pid: process.pid,
    capabilities: CAPABILITIES,
    execute: (command) => context.run(command),
    onSignal(signal, listener) {
      process.on(signal, listener);
      return context.listeners.add(() => process.off(signal, listener));
    },
    exit(code) {
      process.exit(code);
    },
    finish() {
      // Nothing tracked should remain; anything that does would keep the process (or a test) alive.
      for (const connection of context.table.all()) context.run({ type: "destroy", id: connection.id, why: "deadline" });
    },
    serveControl,
    notifySupervisor,
    connectionOf: (request) => connectionOfRequest(context, request),
    dispose() {
      context.disposed = true;
      context.listeners.clear();
      attached.delete(server);
    },
  };
  const engine = createEngine({ env: process.env, ...engineOptions }, binding);
  context.track = engine.track;
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

  return {
    get signal() {
      return engine.signal;
    },
    get phase() {
      return engine.phase;
    },
    get stopped() {
      return engine.stopped;
    },
    get track() {
      return engine.track;
    },
    node: { server },
    counts: () => engine.counts(),
    msToDeadline: () => engine.msToDeadline(),
    shutdown: (shutdownOptions) => engine.shutdown(shutdownOptions),
    onShutdown: (name, hook, hookOptions) => engine.onShutdown(name, hook, hookOptions),
    on: (event, listener) => engine.on(event, listener),
    readiness: (request) => engine.readiness(request),
    liveness: (request) => engine.liveness(request),
    sse,
    websocket(socket: ClosableSocket, request?: NodeRequest | { readonly request?: object }) {
      if (request !== undefined && !("headers" in request)) return engine.websocket(socket, request);
      if (isWsSocket(socket)) return registerWebSocket(engine, socket, request);
      return engine.websocket(socket, request === undefined ? undefined : { request });
    },
    // The engine calls binding.dispose(), which takes off every listener and the emit wrapper.
    dispose: () => engine.dispose(),
  };
}

/**
 * Close the listener without Node's built-in sweep of idle keep-alive sockets: the core closes those itself,
 * after `keepAliveGraceMs`, so a client that is just sending its next request on one is answered instead of cut.
 * `server.close()` is still the call made (it also stops Node's header-timeout timer and, on Node 24, closes HTTP/2
 * sessions gracefully); only the sweep it starts with is skipped for this one call.
 */
/** Enough loop turns for a full default accept backlog (511), with room to spare. */
const MAX_BACKLOG_TURNS = 2048;

/**
 * Connections whose handshake the kernel already completed wait in the accept backlog, and closing the listener
 * resets every one of them: clients that just connected and sent a request would see ECONNRESET. Node takes one
 * connection from the backlog per event-loop turn (measured on Node 20 and 24), so the listener stays open while
 * each turn still brings a new connection, and closes after the first turn that brings none. The connections
 * taken meanwhile are drained like any other (served with `Connection: close`, or closed after the grace).
 */
function stopAccepting(server: DrainableServer, closed: () => void): void {
  let accepted = 0;
  const count = (): void => {
    accepted++;
  };
  server.on("connection", count);
  let seen = -1;
  let turns = 0;
  const check = (): void => {
    if (accepted !== seen && turns++ < MAX_BACKLOG_TURNS) {
      seen = accepted;
      setImmediate(check);
      return;
    }
    server.off("connection", count);
    closeListener(server);
    closed();
  };
  setImmediate(check);
}

function closeListener(server: DrainableServer): void {
  if (!server.listening) return;
  const target = server as unknown as Record<string, unknown>;
  const own = Object.getOwnPropertyDescriptor(target, "closeIdleConnections");
  target["closeIdleConnections"] = () => undefined;
  try {
    server.close();
  } finally {
    if (own === undefined) delete target["closeIdleConnections"];
    else Object.defineProperty(target, "closeIdleConnections", own);
  }
}

function isWsSocket(socket: ClosableSocket): socket is WsSocket {
  const candidate = socket as Partial<WsSocket>;
  return typeof candidate.once === "function" && typeof candidate.readyState === "number";
}
