import type { Context } from "hono";
import { engineOf, requestOf } from "./context.ts";
import { DrainSSEStreamingApi } from "./sse-api.ts";

/** Options `hono/streaming`'s `streamSSE` does not have. */
export interface StreamSSEOptions {
  /** Comment heartbeat (`: keep-alive`) period, so proxies do not cut a quiet stream. Default 15000 ms; 0 turns it off. */
  readonly heartbeatMs?: number;
}

/**
 * `hono/streaming`'s `streamSSE`, drain-aware: the stream belongs to the drain, so at shutdown the client gets a
 * last frame with a jittered `retry:` and a clean end, and `EventSource` reconnects (to another instance) with
 * `Last-Event-ID`. A stream requested during the drain is answered 200 with `retry:` and ended at once; the
 * callback does not run. Needs `drainMiddleware` on the route.
 *
 * The callback gets the same API as `hono/streaming` (`writeSSE`, `write`, `writeln`, `sleep`, `onAbort`,
 * `aborted`, `closed`, `close`) plus `signal` and `lastEventId`. When it returns, the stream ends; if it throws,
 * `onError` runs and an `event: error` frame is sent, as in Hono.
 *
 * @example
 * ```ts
 * import { streamSSE } from "@drain/hono";
 *
 * app.get("/events", (c) =>
 *   streamSSE(c, async (stream) => {
 *     let n = Number(stream.lastEventId ?? 0);
 *     while (!stream.aborted) {
 *       await stream.writeSSE({ id: String(++n), event: "tick", data: new Date().toISOString() });
 *       await stream.sleep(1000); // returns early when the drain ends the stream
 *     }
 *   }),
 * );
 * ```
 */
export function streamSSE(
  c: Context,
  cb: (stream: DrainSSEStreamingApi) => void | Promise<void>,
  onError?: (error: Error, stream: DrainSSEStreamingApi) => void | Promise<void>,
  options: StreamSSEOptions = {},
): Response {
  const engine = engineOf(c, "streamSSE");
  const response = engine.sse((stream) => run(new DrainSSEStreamingApi(stream), cb, onError), {
    request: requestOf(engine, c) as Request,
    ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
  });
  // Through c.newResponse, so headers set earlier with c.header() are kept, as with Hono's own streamSSE.
  return c.newResponse(response.body, response);
}

async function run(
  stream: DrainSSEStreamingApi,
  cb: (stream: DrainSSEStreamingApi) => void | Promise<void>,
  onError: ((error: Error, stream: DrainSSEStreamingApi) => void | Promise<void>) | undefined,
): Promise<void> {
  try {
    await cb(stream);
  } catch (error) {
    if (error instanceof Error && onError !== undefined) {
      await onError(error, stream);
      await stream.writeSSE({ event: "error", data: error.message });
    } else {
      console.error(error);
    }
  } finally {
    await stream.close();
  }
}
