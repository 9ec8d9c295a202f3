/**
 * @module
 * `@drain/engine`: runs `@drain/core` with web-standard APIs only (one timer, AbortSignal, Response,
 * ReadableStream). Adapters (`@drain/node`, `@drain/bun`, `@drain/deno`) bind it to a runtime.
 */
export { createEngine, type EngineClock } from "./engine.ts";
export type * from "./types.ts";
export { formatMessage } from "./sse-format.ts";
export { createControlHandler } from "./control/handler.ts";
export { resolveControlOptions } from "./control/options.ts";
export { MAX_BODY_BYTES, MAX_TIMEOUT_MS } from "./control/body.ts";
export type * from "./control/types.ts";
