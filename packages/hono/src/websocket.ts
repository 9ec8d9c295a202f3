import type { ClosableSocket, Engine } from "@drain/engine";
import type { Context, MiddlewareHandler } from "hono";
import type { UpgradeWebSocket, WSContext, WSEvents } from "hono/ws";
import { engineOf, requestOf, retryAfterSecondsOf } from "./context.ts";
import { isWebSocketUpgrade, refusesUpgrades, upgradeRefused } from "./upgrade.ts";

/**
 * Wrap the `upgradeWebSocket` of `hono/bun`, `hono/deno` or `@hono/node-ws` so every socket it opens is
 * registered with the drain: on drain it gets `1001 Going Away`, and one that does not finish the close
 * handshake in time is cut off (`wsCloseTimeoutMs`). An upgrade during the shutdown is answered 503 with
 * `Retry-After` (the middleware's `retryAfterSeconds`). Needs `drainMiddleware` on the route. A socket the
 * runtime adapter registers itself (`@drain/bun`'s wrapped `websocket` handlers, `@drain/node`'s `websockets`
 * option) is still counted once.
 *
 * @param upgradeWebSocket - the helper from your runtime's Hono adapter.
 * @returns the same helper, drain-aware; use it exactly like the original.
 *
 * @example
 * ```ts
 * import { upgradeWebSocket, websocket } from "hono/bun";
 * import { drainWebSocket } from "@drain/hono";
 *
 * const upgrade = drainWebSocket(upgradeWebSocket);
 * app.get("/ws", upgrade(() => ({
 *   onMessage(event, ws) { ws.send(String(event.data)); },
 *   onClose(event) { console.log("closed", event.code); }, // 1001 on drain
 * })));
 * ```
 */
export function drainWebSocket<T, U>(upgradeWebSocket: UpgradeWebSocket<T, U>): UpgradeWebSocket<T, U> {
  function drainAware(createEvents: (c: Context) => WSEvents<T> | Promise<WSEvents<T>>, options?: U): MiddlewareHandler;
  function drainAware(c: Context, events: WSEvents<T>, options?: U): Promise<Response>;
  function drainAware(...args: unknown[]): MiddlewareHandler | Promise<Response> {
    if (typeof args[0] === "function") {
      const [createEvents, options] = args as [(c: Context) => WSEvents<T> | Promise<WSEvents<T>>, U | undefined];
      const upgrade = upgradeWebSocket(async (c) => registering(engineOf(c, "drainWebSocket"), c, await createEvents(c)), options);
      return async function drainWebSocket(c, next) {
        const engine = engineOf(c, "drainWebSocket");
        if (isWebSocketUpgrade(c) && refusesUpgrades(engine)) return upgradeRefused(retryAfterSecondsOf(c));
        return upgrade(c, next);
      };
    }
    const [c, events, options] = args as [Context, WSEvents<T>, U | undefined];
    const engine = engineOf(c, "drainWebSocket");
    if (isWebSocketUpgrade(c) && refusesUpgrades(engine)) return Promise.resolve(upgradeRefused(retryAfterSecondsOf(c)));
    return upgradeWebSocket(c, registering(engine, c, events), options);
  }
  return drainAware as UpgradeWebSocket<T, U>;
}

/** The app's events, plus: register the socket on open, report its close. */
function registering<T>(engine: Engine, c: Context, events: WSEvents<T>): WSEvents<T> {
  const request = requestOf(engine, c);
  let registration: { closed(): void } | undefined;
  return {
    ...events,
    onOpen(event, ws) {
      registration = engine.websocket(closable(ws), { request });
      events.onOpen?.(event, ws);
    },
    onClose(event, ws) {
      registration?.closed();
      events.onClose?.(event, ws);
    },
  };
}

/**
 * The runtime's own socket when it can be closed (Node's `ws` socket with `terminate()`, Bun's
 * `ServerWebSocket`, Deno's `WebSocket`): the same object a runtime adapter may have registered, so the
 * engine counts it once. Otherwise Hono's `WSContext`.
 */
function closable<T>(ws: WSContext<T>): ClosableSocket {
  const raw = ws.raw as Partial<ClosableSocket> | undefined;
  if (typeof raw === "object" && raw !== null && typeof raw.close === "function") return raw as ClosableSocket;
  return ws;
}
