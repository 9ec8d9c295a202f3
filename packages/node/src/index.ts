/**
 * @module
 * `@drain/node`: graceful shutdown for `node:http`, `node:https` and `node:http2` servers. Hand the server to
 * `drain()`, and SIGTERM drains it: readiness fails, the listener closes, idle sockets close, in-flight responses
 * finish with `Connection: close`, HTTP/2 sessions get GOAWAY, SSE streams and WebSockets are told to reconnect, and
 * the rest is destroyed at the deadline.
 */
export { drain } from "./drain.ts";
export { NODE_CAPABILITIES } from "./binding.ts";
export { writeResponse, type WriteResponseOptions } from "./respond.ts";
export type { DrainableServer, NodeDrain, NodeDrainOptions, NodeRequest, NodeResponse, WsServer, WsSocket } from "./types.ts";
export { isDrainError, type DrainError, type DrainErrorCode } from "@drain/core";
export type { Counts, Mode, Phase, Report } from "@drain/core";
export type { DrainOptions, Engine, HookFunction, HookOptions, Logger, SignalName, SseMessage, SseOptions, SseStream } from "@drain/engine";
