import type { Engine, SseOptions, SseStream } from "@drain/engine";
import type { AdapterContext } from "./context.ts";
import { writeResponse } from "./respond.ts";
import type { NodeRequest, NodeResponse, WsServer, WsSocket } from "./types.ts";

/** ws's `readyState` for a closed socket. */
const WS_CLOSED = 3;

/**
 * Bridge `engine.sse()` to a Node response. The request was bound to its connection when it arrived, so the
 * engine ties the stream to it. On HTTP/1.1 during a shutdown the head says `Connection: close`, so the
 * socket closes right after the last frame instead of lingering as keep-alive (docs/runtime-facts.md, "Node: an SSE response that says `Connection: close`").
 */
export function bridgeSse(
  engine: Engine,
  context: AdapterContext,
  req: NodeRequest,
  res: NodeResponse,
  start: (stream: SseStream) => void | Promise<void>,
  options: Omit<SseOptions, "request"> = {},
): Promise<void> {
  const response = engine.sse(start, { ...options, request: req });
  const id = context.tracker()?.idOf(req);
  const connection = id === undefined ? undefined : context.table.byId(id);
  const closing = req.httpVersionMajor < 2 && (engine.phase !== "serving" || connection?.closing === true);
  return writeResponse(res, response, { closing });
}

/** Register one `ws` socket with the engine and report its close. */
export function registerWebSocket(engine: Engine, socket: WsSocket, req?: NodeRequest): { closed(): void } {
  const handle = engine.websocket(socket, req === undefined ? undefined : { request: req });
  if (socket.readyState === WS_CLOSED) handle.closed();
  else socket.once("close", () => handle.closed());
  return handle;
}

/** Register every client of a `ws` server, present and future. */
export function registerWebSocketServer(engine: Engine, context: AdapterContext, server: WsServer): void {
  for (const socket of server.clients) registerWebSocket(engine, socket);
  context.listeners.on(server, "connection", (socket: WsSocket, req: NodeRequest) => {
    if (!context.disposed) registerWebSocket(engine, socket, req);
  });
}
