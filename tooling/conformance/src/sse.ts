/**
 * A raw SSE reader over one HTTP/1.1 connection: parses the chunked body into events
 * (`id:`, `data:`, `retry:`, `event:`), and records whether the stream ended cleanly
 * (the terminal `0\r\n\r\n` chunk) and how the connection ended afterwards.
 */
import { connect, decodeChunks, isConnectionClose, parseHead, type ConnectOptions, type ConnectionEnd, type RawConnection } from "./http1.ts";

export interface SseEvent {
  readonly id?: string;
  readonly event?: string;
  readonly data?: string;
  readonly retry?: number;
  /** `performance.now()` when the event was parsed. */
  readonly at: number;
}

export interface SseResult {
  readonly events: readonly SseEvent[];
  /** The terminal chunk (or, for a body with a length, its last byte) arrived: the server ended the stream, not just the socket. */
  readonly cleanEnd: boolean;
  /** `performance.now()` of the terminal chunk. */
  readonly cleanEndAt: number | undefined;
  readonly end: ConnectionEnd;
}

export interface SseReader {
  readonly connection: RawConnection;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly connectionClose: boolean;
  /** Events parsed so far. */
  readonly events: readonly SseEvent[];
  /** Resolves once at least `n` events arrived; rejects if the stream ends first or after `timeoutMs`. */
  waitForEvents(n: number, timeoutMs?: number): Promise<void>;
  /** Resolves when the connection ended (never rejects). */
  readonly done: Promise<SseResult>;
  /** Stop reading (the client goes quiet without closing). */
  pause(): void;
}

export interface SseRequestOptions extends ConnectOptions {
  readonly lastEventId?: string;
  /** Use this (already open) connection instead of a new one. */
  readonly connection?: RawConnection;
}

/**
 * Send `GET path` with `Accept: text/event-stream` and follow the stream.
 *
 * @example
 * ```ts
 * const sse = await openSse(fixture.url);
 * await sse.waitForEvents(2);
 * const { cleanEnd, end } = await sse.done;
 * ```
 */
export async function openSse(url: string, options: SseRequestOptions = {}, path = "/sse"): Promise<SseReader> {
  const connection = options.connection ?? (await connect(url, options));
  const headers: Record<string, string> = { accept: "text/event-stream" };
  if (options.lastEventId !== undefined) headers["last-event-id"] = options.lastEventId;
  connection.send(path, { headers });
  let head = parseHead(connection.buffered());
  while (head === undefined) {
    if (connection.end() !== undefined) throw new Error(`the SSE request got no response head (connection ${connection.end()?.kind})`);
    await connection.nextChange();
    head = parseHead(connection.buffered());
  }
  connection.consume(head.length);
  const chunked = (head.headers["transfer-encoding"] ?? "").toLowerCase().includes("chunked");
  const length = chunked || head.headers["content-length"] === undefined ? undefined : Number(head.headers["content-length"]);
  let received = 0;
  const events: SseEvent[] = [];
  let cleanEndAt: number | undefined;
  let text = "";
  let wake: Array<() => void> = [];
  const pump = async (): Promise<SseResult> => {
    for (;;) {
      if (cleanEndAt === undefined) {
        if (chunked) {
          const body = decodeChunks(connection.buffered());
          connection.consume(body.consumed);
          text += body.data.toString("utf8");
          if (body.complete) cleanEndAt = performance.now();
        } else {
          // A complete body with a length (e.g. the one-frame answer to a stream opened during the drain).
          const take = length === undefined ? connection.buffered().length : Math.min(connection.buffered().length, length - received);
          text += connection.buffered().subarray(0, take).toString("utf8");
          connection.consume(take);
          received += take;
          if (length !== undefined && received >= length) cleanEndAt = performance.now();
        }
        text = takeEvents(text, events);
        const waiting = wake;
        wake = [];
        for (const resolve of waiting) resolve();
      }
      const end = connection.end();
      if (end !== undefined) {
        const waiting = wake;
        wake = [];
        for (const resolve of waiting) resolve();
        return { events, cleanEnd: cleanEndAt !== undefined, cleanEndAt, end };
      }
      await connection.nextChange();
    }
  };
  const done = pump();
  return {
    connection,
    status: head.status,
    headers: head.headers,
    connectionClose: isConnectionClose(head.headers),
    events,
    async waitForEvents(n, timeoutMs = 10_000): Promise<void> {
      const deadline = performance.now() + timeoutMs;
      while (events.length < n) {
        if (connection.end() !== undefined) throw new Error(`the SSE stream ended after ${events.length} of ${n} events`);
        const left = deadline - performance.now();
        if (left <= 0) throw new Error(`only ${events.length} of ${n} SSE events within ${timeoutMs} ms`);
        await Promise.race([
          new Promise<void>((resolve) => wake.push(resolve)),
          new Promise<void>((resolve) => setTimeout(resolve, left).unref()),
        ]);
      }
    },
    done,
    pause: () => connection.pause(),
  };
}

/** Move every complete event (ended by a blank line) out of `text`; returns what is left. */
function takeEvents(text: string, events: SseEvent[]): string {
  const normalized = text.replace(/\r\n?/g, "\n");
  let rest = normalized;
  let blank = rest.indexOf("\n\n");
  while (blank !== -1) {
    const block = rest.slice(0, blank);
    rest = rest.slice(blank + 2);
    const event = parseEvent(block);
    if (event !== undefined) events.push(event);
    blank = rest.indexOf("\n\n");
  }
  return rest;
}

function parseEvent(block: string): SseEvent | undefined {
  const fields: { id?: string; event?: string; data?: string; retry?: number } = {};
  let any = false;
  for (const line of block.split("\n")) {
    if (line === "" || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const name = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
    any = true;
    if (name === "data") fields.data = fields.data === undefined ? value : `${fields.data}\n${value}`;
    else if (name === "id") fields.id = value;
    else if (name === "event") fields.event = value;
    else if (name === "retry") fields.retry = Number(value);
  }
  return any ? { ...fields, at: performance.now() } : undefined;
}
