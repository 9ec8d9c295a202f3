/**
 * @module
 * `@drain/bun`: graceful shutdown for `Bun.serve`. Wrap the serve options, attach the server, and
 * SIGTERM drains it: readiness fails, in-flight requests finish with `Connection: close`, SSE streams
 * and WebSockets are told to reconnect, and the rest is forced at the deadline.
 */
export { drain, type BunDrain } from "./drain.ts";
export { BUN_CAPABILITIES } from "./binding.ts";
export type { BunServeOptionsLike, BunServerLike, BunWebSocketLike } from "./bun-types.ts";
export { isDrainError, type DrainError, type DrainErrorCode } from "@drain/core";
export type { Counts, Mode, Phase, Report } from "@drain/core";
export type { DrainOptions, Engine, HookFunction, HookOptions, Logger, SignalName, SseMessage, SseOptions, SseStream } from "@drain/engine";
