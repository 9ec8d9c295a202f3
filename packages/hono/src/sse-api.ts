import type { SseStream } from "@drain/engine";
import { HtmlEscapedCallbackPhase, resolveCallback } from "hono/utils/html";

/** One SSE event, as `hono/streaming`'s `SSEMessage`: `data` may be a promise (JSX); lines become `data:` lines. */
export interface DrainSSEMessage {
  data: string | Promise<string>;
  event?: string;
  id?: string;
  retry?: number;
}

/**
 * The stream a `streamSSE` callback writes to: the shape of `hono/streaming`'s `SSEStreamingApi`, written
 * through the drain's own SSE stream. On drain the drain sends the last frame (`retry:`) and ends the stream;
 * `aborted` turns true, `onAbort` listeners run, `sleep()` returns early and `signal` aborts, so a
 * `while (!stream.aborted)` loop ends by itself. Made by `streamSSE`; you only meet it as the callback's argument.
 *
 * @example
 * ```ts
 * streamSSE(c, async (stream) => {
 *   stream.onAbort(() => unsubscribe());
 *   for await (const event of feed({ after: stream.lastEventId, signal: stream.signal })) {
 *     await stream.writeSSE({ id: event.id, data: JSON.stringify(event) });
 *   }
 * });
 * ```
 */
export class DrainSSEStreamingApi {
  /** True once the stream ended from outside: the client left, the drain ended it, or it was forced. */
  aborted = false;
  /** True once the app closed it with `close()` (or the callback returned). */
  closed = false;
  /** Aborts when the stream ends for any reason: client gone, drain, `close()`. */
  readonly signal: AbortSignal;
  /** The `Last-Event-ID` the client sent when it reconnected, if any: resume after it. */
  readonly lastEventId: string | undefined;
  readonly #stream: SseStream;
  readonly #decoder = new TextDecoder();
  readonly #abortListeners: (() => void | Promise<void>)[] = [];

  constructor(stream: SseStream) {
    this.#stream = stream;
    this.signal = stream.signal;
    this.lastEventId = stream.lastEventId;
    // The engine aborts the signal on every end; only an end the app did not ask for is an abort.
    stream.signal.addEventListener("abort", () => {
      if (!this.closed) this.abort();
    });
  }

  /** Send one event. `event` and `id` may not hold line breaks (as in `hono/streaming`). */
  async writeSSE(message: DrainSSEMessage): Promise<void> {
    const data = await resolveCallback(message.data, HtmlEscapedCallbackPhase.Stringify, false, {});
    for (const key of ["event", "id"] as const) {
      const value = message[key];
      if (value !== undefined && /[\r\n]/.test(value)) throw new Error(`${key} must not contain "\\r" or "\\n"`);
    }
    this.#stream.send({
      data,
      event: message.event === "" ? undefined : message.event,
      id: message.id,
      retry: message.retry,
    });
  }

  /** Write raw text or bytes (already in SSE form). */
  async write(input: string | Uint8Array): Promise<this> {
    this.#stream.write(typeof input === "string" ? input : this.#decoder.decode(input, { stream: true }));
    return this;
  }

  async writeln(input: string): Promise<this> {
    await this.write(`${input}\n`);
    return this;
  }

  /** Wait `ms`, or less: resolves as soon as the stream ends (drain, client gone), so loops need no timer of their own. */
  sleep(ms: number): Promise<unknown> {
    const signal = this.signal;
    if (signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
    });
  }

  /** End the stream cleanly. */
  async close(): Promise<void> {
    this.closed = true;
    this.#stream.close();
  }

  /** Copy a byte or text stream into this one (raw, as `write`), then keep the stream open. */
  async pipe(body: ReadableStream<Uint8Array | string>): Promise<void> {
    const reader = body.getReader();
    try {
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
        if (this.signal.aborted) break;
        await this.write(chunk.value);
      }
    } finally {
      reader.releaseLock();
    }
  }

  /** Run `listener` when the stream ends from outside (client gone, drain); at once if it already has. */
  onAbort(listener: () => void | Promise<void>): void {
    if (this.aborted) runQuietly(listener);
    else this.#abortListeners.push(listener);
  }

  /** Mark the stream aborted, run the `onAbort` listeners and end the stream. */
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    for (const listener of this.#abortListeners.splice(0)) runQuietly(listener);
    this.#stream.close();
  }
}

/** Listener errors are dropped, as `hono/streaming` does: the stream is gone, nobody is left to tell. */
function runQuietly(listener: () => void | Promise<void>): void {
  try {
    Promise.resolve(listener()).catch(() => {});
  } catch {
    // See above.
  }
}
