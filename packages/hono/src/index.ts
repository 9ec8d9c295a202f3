/**
 * @module
 * `@drain/hono`: graceful shutdown for Hono apps, in Hono's idiom. `drainMiddleware` serves readiness and
 * liveness, puts the shutdown signal on `c.var`, says `Connection: close` and refuses WebSocket upgrades during the
 * shutdown; `streamSSE` and `drainWebSocket` make SSE streams and WebSockets end the way reconnecting clients
 * expect. Works on a drain from `@drain/node`, `@drain/bun` or `@drain/deno`.
 */
export { drainMiddleware } from "./middleware.ts";
export { streamSSE, type StreamSSEOptions } from "./sse.ts";
export { DrainSSEStreamingApi, type DrainSSEMessage } from "./sse-api.ts";
export { drainWebSocket } from "./websocket.ts";
export type { DrainEnv, DrainMiddlewareOptions, DrainVariables, EngineSource } from "./types.ts";
export type { Engine } from "@drain/engine";
export { isDrainError, type DrainError, type DrainErrorCode } from "@drain/core";
