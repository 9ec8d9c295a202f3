import { drainError } from "@drain/core";
import type { Engine } from "@drain/engine";
import type { Context } from "hono";

/**
 * The engine `drainMiddleware` put on this request. `streamSSE` and `drainWebSocket` need it; without the
 * middleware they cannot know which drain to join, which is a set-up mistake worth a clear error.
 */
export function engineOf(c: Context, helper: string): Engine {
  const engine = (c.get as (key: string) => unknown)("drain") as Engine | undefined;
  if (engine === undefined) {
    throw drainError(
      "ERR_DRAIN_NOT_ATTACHED",
      `${helper} from @drain/hono found no drain on this request: add app.use(drainMiddleware(() => d)) before this route.`,
    );
  }
  return engine;
}

/** `Retry-After` on a refused upgrade when no `drainMiddleware` settings reached the route (the option's default). */
export const DEFAULT_RETRY_AFTER_SECONDS = 1;

// Keyed by the request's Context, which Hono hands to every middleware and handler of the request: the route's
// upgrade wrapper reads what the middleware was configured with, without widening the public `c.var` type.
const retryAfterByContext = new WeakMap<Context, number>();

/** Remember the middleware's `retryAfterSeconds` for this request, for `drainWebSocket`'s own refusal. */
export function setRetryAfterSeconds(c: Context, seconds: number): void {
  retryAfterByContext.set(c, seconds);
}

/** The `retryAfterSeconds` `drainMiddleware` was given on this request's route, or the default. */
export function retryAfterSecondsOf(c: Context): number {
  return retryAfterByContext.get(c) ?? DEFAULT_RETRY_AFTER_SECONDS;
}

/**
 * The request object the adapter tied to its connection. On Node (`@hono/node-server`, `@hono/node-ws`) that is
 * `c.env.incoming`, the `IncomingMessage`; on Bun and Deno it is `c.req.raw`, the Request the runtime handed over.
 * Passing the right one lets the engine tie an SSE stream or WebSocket to its connection.
 */
export function requestOf(engine: Engine, c: Context): object {
  const incoming = (c.env as { incoming?: unknown } | undefined)?.incoming;
  if (typeof incoming === "object" && incoming !== null && engine.track.idOf(incoming) !== undefined) return incoming;
  return c.req.raw;
}

/** Whether `@hono/node-server` serves this request (its `c.env.incoming` is Node's request), any HTTP version. */
export function servedByNode(c: Context): boolean {
  const incoming = (c.env as { incoming?: { httpVersionMajor?: unknown } } | undefined)?.incoming;
  return typeof incoming?.httpVersionMajor === "number";
}
