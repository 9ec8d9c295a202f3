/**
 * The slice of Bun's API this adapter touches, typed structurally so the package needs no `@types/bun`
 * and accepts whatever `Bun.serve` returns.
 */

/** What `server.requestIP(req)` returns; `null` once Bun has detached the request from its socket. */
export interface BunSocketAddress {
  readonly address: string;
  readonly port: number;
  readonly family?: string;
}

/** The parts of Bun's `Server` drain uses. */
export interface BunServerLike {
  /** Stop listening. `true` also closes every open connection at once. */
  stop(closeActiveConnections?: boolean): unknown;
  /** The remote address of a request's connection, or `null` once the request is finished. */
  requestIP(request: Request): BunSocketAddress | null;
  /** Set the idle timeout (seconds) of one request's connection; `0` turns it off. */
  timeout(request: Request, seconds: number): void;
  /**
   * Upgrade a request to a WebSocket; the `fetch` handler then returns nothing. (The headers' type is spelled through
   * `Headers`: `HeadersInit` is a DOM name that `@types/bun` does not declare globally.)
   */
  upgrade(request: Request, options?: { readonly data?: unknown; readonly headers?: ConstructorParameters<typeof Headers>[0] }): boolean;
  readonly port?: number;
  readonly pendingRequests?: number;
  readonly pendingWebSockets?: number;
}

/** The parts of Bun's `ServerWebSocket` drain uses. */
export interface BunWebSocketLike {
  send(data: string | ArrayBuffer | ArrayBufferView): unknown;
  close(code?: number, reason?: string): void;
  terminate?(): void;
  readonly data?: unknown;
}

/**
 * The WebSocket handlers of `Bun.serve` that drain wraps (`open`, `close`); the others pass through untouched.
 * Method syntax on purpose: Bun's own handler types (from `@types/bun`) stay assignable.
 */
export interface BunWebSocketHandlersLike<W = BunWebSocketLike> {
  open?(ws: W): unknown;
  close?(ws: W, code: number, reason: string): unknown;
  /** Bun hands binary messages over as a `Buffer` (a `Uint8Array`), so `hono/bun`'s `websocket` fits as it is. */
  message(ws: W, message: string | Uint8Array): unknown;
}

/**
 * The `Bun.serve` options drain wraps: `fetch`, `routes` handlers and `websocket`; every other option passes
 * through. Handlers use method syntax so that options typed by `@types/bun` fit as they are.
 */
export interface BunServeOptionsLike {
  fetch?(request: Request, server: BunServerLike): unknown;
  routes?: Record<string, unknown>;
  websocket?: BunWebSocketHandlersLike;
  readonly [option: string]: unknown;
}
