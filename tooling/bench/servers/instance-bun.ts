/**
 * Benchmark instance on `Bun.serve` (routes in `_web-instance.ts`). `VARIANT=drain`: @drain/bun handles SIGTERM.
 * `VARIANT=native`: Bun's own stop, `server.stop()` on SIGTERM, then exit when it resolves (it waits for SSE
 * streams and WebSockets, so in practice the supervisor's SIGKILL ends it).
 */
import { drain, type DrainOptions } from "@drain/bun";
import { announceReady, announceReport, readArgs } from "./_args.ts";
import { bun, type BunServer, type BunWebSocket } from "./_bun-types.ts";
import { webInstance } from "./_web-instance.ts";

const args = readArgs((key) => process.env[key]);
let server: BunServer | undefined;

/** `server.upgrade` answers the request itself: the handler then returns nothing, as Bun expects. */
function upgrade(request: Request): Response {
  if (server?.upgrade(request) === true) return undefined as unknown as Response;
  return new Response("websocket upgrade failed", { status: 400 });
}

const options = {
  hostname: "127.0.0.1",
  port: args.port,
  // Longer than HAProxy keeps an idle server connection, so Bun never closes one HAProxy is about to reuse.
  idleTimeout: 60,
  websocket: { message: (ws: BunWebSocket, message: string | Uint8Array): unknown => ws.send(message) },
};

if (args.variant === "drain") {
  const d = drain(args.drainOptions as DrainOptions);
  announceReport(d);
  const app = webInstance(d, upgrade, args.tickMs);
  server = bun.serve(d.wrap({ ...options, fetch: (request: Request) => app(request) }));
  d.attach(server);
} else if (args.variant === "native") {
  const app = webInstance(undefined, upgrade, args.tickMs);
  const native = bun.serve({ ...options, fetch: (request: Request) => app(request) });
  server = native;
  process.once("SIGTERM", () => void native.stop().then(() => process.exit(0)));
} else {
  throw new TypeError(`VARIANT must be drain or native; got ${args.variant}`);
}
announceReady(server.port);
