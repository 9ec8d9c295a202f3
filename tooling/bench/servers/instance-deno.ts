/**
 * Benchmark instance on `Deno.serve` (routes in `_web-instance.ts`). `VARIANT=drain`: @drain/deno handles SIGTERM.
 * `VARIANT=native`: Deno's own stop, `server.shutdown()` on SIGTERM, then exit when it resolves (it waits for SSE
 * streams, so in practice the supervisor's SIGKILL ends it while any is open).
 */
import { drain, type DrainOptions } from "@drain/deno";
import type { Engine } from "@drain/engine";
import { announceReady, announceReport, readArgs } from "./_args.ts";
import { deno } from "./_deno-types.ts";
import { webInstance } from "./_web-instance.ts";

const args = readArgs((key) => deno.env.get(key));

/** WebSocket echo; registered with drain (1001 on drain) when there is an engine. */
function upgrader(engine: Engine | undefined): (request: Request) => Response {
  return (request) => {
    const { socket, response } = deno.upgradeWebSocket(request);
    const registration = engine?.websocket(socket, { request });
    socket.addEventListener("message", (event) => socket.send(event.data));
    if (registration) socket.addEventListener("close", () => registration.closed(), { once: true });
    return response;
  };
}

const options = { hostname: "127.0.0.1", port: args.port, onListen: ({ port }: { port: number }): void => announceReady(port) };

if (args.variant === "drain") {
  const d = drain(args.drainOptions as DrainOptions);
  announceReport(d);
  const app = webInstance(d, upgrader(d), args.tickMs);
  d.attach(deno.serve(d.wrap({ ...options, handler: (request: Request) => app(request) })));
} else if (args.variant === "native") {
  const app = webInstance(undefined, upgrader(undefined), args.tickMs);
  const server = deno.serve({ ...options, handler: (request: Request) => app(request) });
  deno.addSignalListener("SIGTERM", () => void server.shutdown().then(() => deno.exit(0)));
} else {
  throw new TypeError(`VARIANT must be drain or native; got ${args.variant}`);
}
