import type { ClosableSocket, Engine } from "@drain/engine";
import { startShutdown, type DenoState } from "./shutdown-state.ts";

/**
 * Register a WebSocket with the engine and hold `server.shutdown()` until it is gone. Deno's WebSocket has
 * no `terminate()`: when the engine gives up on a socket (close timeout, deadline), releasing the hold lets
 * `shutdown()` cut it, which is the only per-socket force Deno offers short of the process exit.
 *
 * @example
 * ```ts
 * const { socket, response } = Deno.upgradeWebSocket(request);
 * const registration = holdWebSocket(engine, state, socket, { request });
 * socket.addEventListener("close", () => registration.closed());
 * ```
 */
export function holdWebSocket(
  engine: Engine,
  state: DenoState,
  socket: ClosableSocket,
  options?: { readonly request?: object },
): { closed(): void } {
  if (state.disposed) return engine.websocket(socket, options);
  const hold = {};
  const release = (): void => {
    if (!state.sockets.delete(hold)) return;
    startShutdown(state);
  };
  state.sockets.add(hold);
  const registration = engine.websocket(
    {
      close: (code, reason) => socket.close(code, reason),
      terminate: () => {
        socket.terminate?.();
        release();
      },
    },
    options,
  );
  return {
    closed(): void {
      release();
      registration.closed();
    },
  };
}
