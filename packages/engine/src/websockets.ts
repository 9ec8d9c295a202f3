import type { Id } from "@drain/core";
import type { ClosableSocket } from "./types.ts";

/** RFC 6455 limits a close reason to 123 bytes; this one says why in plain words. */
const CLOSE_REASON = "server shutting down";

/** WebSockets the engine will close with 1001 on drain and terminate at the close-handshake timeout. */
export class WebSocketRegistry {
  readonly #sockets = new Map<Id, ClosableSocket>();
  readonly #onError: (error: unknown, context: string) => void;

  constructor(onError: (error: unknown, context: string) => void) {
    this.#onError = onError;
  }

  has(id: Id): boolean {
    return this.#sockets.has(id);
  }

  get size(): number {
    return this.#sockets.size;
  }

  add(id: Id, socket: ClosableSocket): void {
    this.#sockets.set(id, socket);
  }

  delete(id: Id): void {
    this.#sockets.delete(id);
  }

  /** Start the close handshake with 1001 Going Away. */
  close(id: Id): void {
    const socket = this.#sockets.get(id);
    if (socket === undefined) return;
    try {
      socket.close(1001, CLOSE_REASON);
    } catch (error) {
      this.#onError(error, "WebSocket close(1001)");
    }
  }

  /** The peer never answered our close: cut the connection. */
  destroy(id: Id): void {
    const socket = this.#sockets.get(id);
    if (socket === undefined) return;
    this.#sockets.delete(id);
    try {
      if (socket.terminate !== undefined) socket.terminate();
      else socket.close(1001, CLOSE_REASON);
    } catch (error) {
      this.#onError(error, "WebSocket terminate");
    }
  }
}
