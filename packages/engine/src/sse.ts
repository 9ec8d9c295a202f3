import type { Id } from "@drain/core";
import { requestDetails } from "./describe-request.ts";
import { formatComment, formatFarewell, formatMessage } from "./sse-format.ts";
import type { ForcedDetails, SseMessage, SseOptions, SseStream } from "./types.ts";

const DEFAULT_HEARTBEAT_MS = 15_000;
const encoder = new TextEncoder();

/** What the SSE registry needs from the engine. */
export interface SseHost {
  allocate(): Id;
  opened(id: Id, conn: Id | undefined): void;
  closed(id: Id): void;
  connectionOf(request: object | undefined): Id | undefined;
  reason(): string;
  error(error: unknown, context: string): void;
}

interface SseHandle {
  end(retryMs: number): void;
  destroy(): void;
  describe(): StreamDetails;
}

/** A stream's or WebSocket's details, and the connection (or request) it runs on, which may know the peer. */
export interface StreamDetails extends ForcedDetails {
  readonly conn?: Id | undefined;
  /** The request it was opened with, which may find the adapter's record of that connection or request. */
  readonly request?: object | undefined;
}

/** Engine-owned SSE streams: the engine holds each controller, so a drain can say goodbye and end it cleanly. */
export class SseRegistry {
  readonly #host: SseHost;
  readonly #streams = new Map<Id, SseHandle>();

  constructor(host: SseHost) {
    this.#host = host;
  }

  has(id: Id): boolean {
    return this.#streams.has(id);
  }

  get size(): number {
    return this.#streams.size;
  }

  /** Last frame with `retry:`, then a clean end of the stream. */
  end(id: Id, retryMs: number): void {
    this.#streams.get(id)?.end(retryMs);
  }

  /** What the stream was opened for and how much it wrote (asked at force time). */
  describe(id: Id): StreamDetails | undefined {
    return this.#streams.get(id)?.describe();
  }

  /** Error the stream: the runtime aborts the response. */
  destroy(id: Id): void {
    this.#streams.get(id)?.destroy();
  }

  create(start: (stream: SseStream) => void | Promise<void>, options: SseOptions = {}): Response {
    const host = this.#host;
    const id = host.allocate();
    const abort = new AbortController();
    const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
    let heartbeat: ReturnType<typeof setInterval> | undefined;
    let done = false;
    // Counted per frame, not per request: the forced-item report says how far the stream got.
    let bytesSent = 0;
    let conn: Id | undefined;

    const finish = (how: "close" | "error" | "cancel"): void => {
      if (done) return;
      done = true;
      if (heartbeat !== undefined) clearInterval(heartbeat);
      this.#streams.delete(id);
      try {
        if (how === "close") controller?.close();
        else if (how === "error") controller?.error(new Error("drain: SSE stream forced at the shutdown deadline"));
      } catch {
        // Already closed by the runtime: nothing left to end.
      }
      abort.abort();
      host.closed(id);
    };
    const write = (text: string): boolean => {
      if (done || controller === undefined) return false;
      try {
        const bytes = encoder.encode(text);
        controller.enqueue(bytes);
        bytesSent += bytes.byteLength;
        return true;
      } catch {
        finish("cancel");
        return false;
      }
    };

    const body = new ReadableStream<Uint8Array>({
      start: (c) => {
        controller = c;
      },
      cancel: () => finish("cancel"),
    });
    this.#streams.set(id, {
      end: (retryMs) => {
        write(formatFarewell(retryMs, host.reason()));
        finish("close");
      },
      destroy: () => finish("error"),
      describe: () => ({ ...requestDetails(options.request as object | undefined), bytesSent, conn, request: options.request as object | undefined }),
    });
    const stream: SseStream = {
      send: (message: SseMessage) => write(formatMessage(message)),
      comment: (text: string) => write(formatComment(text)),
      write: (text: string) => write(text),
      close: () => finish("close"),
      signal: abort.signal,
      lastEventId: lastEventIdOf(options.request),
    };
    // Registering may end the stream at once (a stream opened during the drain gets its goodbye immediately).
    conn = host.connectionOf(options.request as object | undefined);
    host.opened(id, conn);
    if (!done) {
      if (heartbeatMs > 0) heartbeat = setInterval(() => stream.comment("keep-alive"), heartbeatMs);
      Promise.resolve()
        .then(() => start(stream))
        .catch((error: unknown) => {
          host.error(error, "SSE start function");
          finish("close");
        });
    }
    return new Response(body, {
      status: 200,
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        "x-accel-buffering": "no",
        ...options.headers,
      },
    });
  }
}

function lastEventIdOf(request: SseOptions["request"]): string | undefined {
  if (request === undefined) return undefined;
  const headers = request.headers;
  if (headers instanceof Headers) return headers.get("last-event-id") ?? undefined;
  const value = (headers as Record<string, string | string[] | undefined>)["last-event-id"];
  return Array.isArray(value) ? value[0] : value;
}
