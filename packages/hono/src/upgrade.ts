import type { Engine } from "@drain/engine";
import type { Context } from "hono";

/** A WebSocket handshake (`Upgrade: websocket`), on any method Hono routed. */
export function isWebSocketUpgrade(c: Context): boolean {
  return c.req.header("upgrade")?.toLowerCase() === "websocket";
}

/** Whether a new WebSocket must be refused: from the shutdown request on, a socket opened now would be closed at once. */
export function refusesUpgrades(engine: Engine): boolean {
  return engine.phase !== "serving";
}

/**
 * The answer to a WebSocket upgrade during the shutdown: 503 with `Retry-After`, so the client (or the proxy in
 * front) retries, and by then reaches another instance. SSE is never answered like this: `EventSource` gives up
 * for good on any non-200 (the drain answers a new stream 200 with `retry:` and ends it instead).
 */
export function upgradeRefused(retryAfterSeconds: number): Response {
  return new Response("server shutting down; retry\n", {
    status: 503,
    headers: {
      "content-type": "text/plain; charset=utf-8",
      "retry-after": String(retryAfterSeconds),
      "cache-control": "no-store",
      connection: "close",
    },
  });
}
