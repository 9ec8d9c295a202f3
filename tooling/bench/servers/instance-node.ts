/**
 * Benchmark instance on `node:http` + `ws`: `/` hello, `/ready`, `/sse` (clock ticks, see `_ticks.ts`), `/ws`
 * echo, `/slow?ms=N`, `/stats` (drain's counts). `VARIANT=drain`: @drain/node handles SIGTERM. `VARIANT=native`:
 * Node's own stop, `server.close()` on SIGTERM, then exit when its callback fires (it waits for every socket,
 * SSE and WebSockets included, so in practice the supervisor's SIGKILL ends it).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { drain, writeResponse, type NodeDrain, type NodeDrainOptions } from "@drain/node";
import { WebSocketServer } from "ws";
import { announceReady, announceReport, readArgs } from "./_args.ts";
import { startTicks, tickFrame } from "./_ticks.ts";

const args = readArgs((key) => process.env[key]);
if (args.variant !== "drain" && args.variant !== "native") throw new TypeError(`VARIANT must be drain or native; got ${args.variant}`);

const server = createServer(handle);
// Longer than HAProxy keeps an idle server connection, so Node never closes one HAProxy is about to reuse.
server.keepAliveTimeout = 60_000;
const websockets = new WebSocketServer({ server, path: "/ws" });
websockets.on("connection", (socket) => socket.on("message", (data, binary) => socket.send(data, { binary })));

let drained: NodeDrain | undefined;
if (args.variant === "drain") {
  drained = drain(server, { ...(args.drainOptions as NodeDrainOptions), websockets });
  announceReport(drained);
} else {
  process.once("SIGTERM", () => server.close(() => process.exit(0)));
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? "/", "http://instance");
  switch (url.pathname) {
    case "/":
      return text(res, "hello");
    case "/ready":
      if (drained) void writeResponse(res, drained.readiness(req));
      else text(res, "ready");
      return;
    case "/slow":
      setTimeout(() => text(res, "slow-done"), Number(url.searchParams.get("ms") ?? "1000"));
      return;
    case "/sse":
      if (drained) {
        void drained.sse(req, res, (stream) => {
          const stop = startTicks(args.tickMs, stream.lastEventId, (id) => stream.send({ id: String(id), data: `tick ${id}` }));
          stream.signal.addEventListener("abort", stop, { once: true });
        }, { heartbeatMs: 0 });
      } else {
        nativeSse(req, res);
      }
      return;
    case "/stats":
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(drained ? drained.counts() : {}));
      return;
    default:
      return text(res, "not found", 404);
  }
}

function nativeSse(req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  const last = req.headers["last-event-id"];
  const stop = startTicks(args.tickMs, typeof last === "string" ? last : undefined, (id) => res.write(tickFrame(id)));
  res.once("close", stop);
}

function text(res: ServerResponse, body: string, status = 200): void {
  res.writeHead(status, { "content-type": "text/plain" });
  res.end(body);
}

server.listen(args.port, "127.0.0.1", () => {
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("expected a TCP address");
  announceReady(address.port);
});
