import type { Engine } from "@drain/engine";
import type { BunWebSocketHandlersLike, BunWebSocketLike } from "./bun-types.ts";

/**
 * Wrap `Bun.serve`'s `websocket` handlers so every socket is registered with the engine: on drain it gets
 * `close(1001)`, and `terminate()` if it does not finish the close handshake in time. `Server.stop()` alone
 * leaves WebSockets open and waits for them.
 */
export function wrapWebSocketHandlers(engine: Engine, handlers: BunWebSocketHandlersLike): BunWebSocketHandlersLike {
  const registered = new WeakMap<object, { closed(): void }>();
  const user = handlers;
  const wrapped: BunWebSocketHandlersLike<BunWebSocketLike> = {
    ...user,
    open(ws) {
      registered.set(ws, engine.websocket(ws));
      return user.open?.(ws);
    },
    close(ws, code, reason) {
      registered.get(ws)?.closed();
      registered.delete(ws);
      return user.close?.(ws, code, reason);
    },
  };
  return wrapped;
}
