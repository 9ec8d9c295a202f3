/**
 * Graceful shutdown for `Deno.serve`.
 *
 * @example
 * ```ts
 * import { drain } from "@drain/deno";
 *
 * const d = drain({ timeoutMs: 10_000 });
 * const server = Deno.serve(d.wrap({ port: 3000, handler: () => new Response("ok") }));
 * d.attach(server);
 * ```
 *
 * @module
 */
export { drain, type DenoDrain } from "./drain.ts";
export { DENO_CAPABILITIES } from "./binding.ts";
export { withConnectionClose } from "./connection-close.ts";
export type { AnyServeHandler, HttpServer, RemoteAddr, ServeHandler, ServeHandlerInfo, ServeInitLike } from "./deno-api.ts";
export { isDrainError, type DrainError, type DrainErrorCode } from "@drain/core";
export type { Counts, Mode, Phase, Report } from "@drain/core";
export type { DrainOptions, Engine, HookFunction, HookOptions, Logger, SignalName, SseMessage, SseOptions, SseStream } from "@drain/engine";
