export { drain } from "./drain.ts";
export { writeResponse, type WriteResponseOptions } from "./respond.ts";
export type { DrainableServer, NodeDrain, NodeDrainOptions, NodeRequest, NodeResponse, WsServer, WsSocket } from "./types.ts";
export type { DrainOptions, Engine, HookFunction, HookOptions, Logger, SseMessage, SseOptions, SseStream } from "@drain/engine";
export type { Counts, Mode, Phase, Report } from "@drain/core";
