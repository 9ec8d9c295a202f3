import type { Id } from "@drain/core";
import { requestDetails } from "./describe-request.ts";
import type { StreamDetails } from "./sse.ts";
import type { ClosableSocket } from "./types.ts";

/** RFC 6455 limits a close reason to 123 bytes; this one says why in plain words. */
const CLOSE_REASON = "server shutting down";

/** What registering a socket gives back: call `closed()` once the socket has closed (extra calls do nothing). */
export interface WebSocketRegistration {
  closed(): void;
}

/** The engine's side of a registration: an id for the socket, and the inputs it feeds the core. */
export interface WebSocketHost {
  allocate(): Id;
  opened(id: Id): void;
  closed(id: Id): void;
}

/** WebSockets the engine will close with 1001 on drain and terminate at the close-handshake timeout. */
export class WebSocketRegistry {
  readonly #sockets = new Map<Id, ClosableSocket>();
  /** The upgrade request and connection of the sockets registered with one, for the forced-item report. */
  readonly #origins = new Map<Id, { readonly request: object | undefined; readonly conn: Id | undefined }>();
  /** One registration per socket object: an adapter and a framework wrapper may both register the same socket. */
  readonly #registrations = new WeakMap<ClosableSocket, WebSocketRegistration>();
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

  /**
   * Register `socket` once. Registering the same object again (say `@drain/bun`'s `websocket` handlers and
   * `@drain/hono`'s `upgradeWebSocket` wrapper) returns the first registration, so it is counted and closed once.
   */
  register(socket: ClosableSocket, host: WebSocketHost, origin?: { readonly request?: object; readonly conn?: Id }): WebSocketRegistration {
    const known = this.#registrations.get(socket);
    if (known !== undefined) return known;
    const id = host.allocate();
    let closed = false;
    const registration: WebSocketRegistration = {
      closed: () => {
        if (closed) return;
        closed = true;
        this.#sockets.delete(id);
        this.#origins.delete(id);
        this.#registrations.delete(socket);
        host.closed(id);
      },
    };
    this.#sockets.set(id, socket);
    if (origin !== undefined) this.#origins.set(id, { request: origin.request, conn: origin.conn });
    this.#registrations.set(socket, registration);
    // Last: during a drain the core answers at once with close-ws, which needs the socket in the table.
    host.opened(id);
    return registration;
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

  /**
   * The path it was opened on (from the upgrade request, when it was registered with one) and its peer (from the
   * request's socket or the socket itself, as Bun's has `remoteAddress`). Asked at force time.
   */
  describe(id: Id): StreamDetails | undefined {
    const socket = this.#sockets.get(id);
    if (socket === undefined) return undefined;
    const origin = this.#origins.get(id);
    const fromRequest = requestDetails(origin?.request);
    const peer = fromRequest.peer ?? requestDetails(socket).peer;
    // An upgrade is a GET; the method adds nothing here.
    return { ...(fromRequest.path === undefined ? {} : { path: fromRequest.path }), ...(peer === undefined ? {} : { peer }), conn: origin?.conn, request: origin?.request };
  }

  /** The peer never answered our close: cut the connection. */
  destroy(id: Id): void {
    const socket = this.#sockets.get(id);
    if (socket === undefined) return;
    this.#sockets.delete(id);
    this.#origins.delete(id);
    try {
      if (socket.terminate !== undefined) socket.terminate();
      else socket.close(1001, CLOSE_REASON);
    } catch (error) {
      this.#onError(error, "WebSocket terminate");
    }
  }
}
