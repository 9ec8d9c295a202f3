/**
 * The instance app for Bun and Deno as a web `fetch` handler: `/` hello, `/ready`, `/sse` (clock ticks, see
 * `_ticks.ts`), `/ws` (echo, wired by the runtime file), `/slow?ms=N`, `/stats` (drain's counts). With an engine
 * (`drain` variant) readiness, SSE and WebSockets are drain's; without one (`native`) they are plain web code.
 */
import type { Engine } from "@drain/engine";
import { startTicks, tickFrame } from "./_ticks.ts";

export type FetchHandler = (request: Request) => Response | Promise<Response>;

/** Build the handler; `upgrade` answers `GET /ws` (it registers the socket with drain when there is an engine). */
export function webInstance(engine: Engine | undefined, upgrade: FetchHandler, tickMs: number): FetchHandler {
  return (request: Request): Response | Promise<Response> => {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/":
        return new Response("hello");
      case "/ready":
        return engine ? engine.readiness(request) : new Response("ready");
      case "/slow": {
        const ms = Number(url.searchParams.get("ms") ?? "1000");
        return new Promise((resolve) => setTimeout(() => resolve(new Response("slow-done")), ms));
      }
      case "/sse":
        return engine ? drainSse(engine, request, tickMs) : nativeSse(request, tickMs);
      case "/ws":
        return upgrade(request);
      case "/stats":
        return Response.json(engine ? engine.counts() : {});
      default:
        return new Response("not found", { status: 404 });
    }
  };
}

function drainSse(engine: Engine, request: Request, tickMs: number): Response {
  return engine.sse(
    (stream) => {
      const stop = startTicks(tickMs, stream.lastEventId, (id) => stream.send({ id: String(id), data: `tick ${id}` }));
      stream.signal.addEventListener("abort", stop, { once: true });
    },
    { request, heartbeatMs: 0 },
  );
}

function nativeSse(request: Request, tickMs: number): Response {
  const encoder = new TextEncoder();
  let stop = (): void => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller): void {
      stop = startTicks(tickMs, request.headers.get("last-event-id"), (id) => {
        try {
          controller.enqueue(encoder.encode(tickFrame(id)));
        } catch {
          stop(); // The client went away between two ticks.
        }
      });
    },
    cancel(): void {
      stop();
    },
  });
  return new Response(body, { headers: { "content-type": "text/event-stream", "cache-control": "no-cache" } });
}
