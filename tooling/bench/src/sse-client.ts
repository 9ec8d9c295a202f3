/**
 * An SSE client that behaves like the browser's `EventSource` where it matters here, and checks the ids of
 * `servers/_ticks.ts`: after a network error or a clean end it reconnects after the server's last `retry:` (or
 * `defaultRetryMs`) with `Last-Event-ID`; on a non-200 answer `EventSource` fails for good, so the client counts
 * a failure and starts over without `Last-Event-ID`, as an app would. Every event id must be the previous one
 * + 1: a larger id is a gap (its size is the number of events missed), a smaller or equal one a duplicate.
 */
import { get, type ClientRequest } from "node:http";

export interface SseStats {
  events: number;
  /** Times an id was more than the previous + 1. */
  gaps: number;
  /** Events missed in those gaps. */
  missed: number;
  duplicates: number;
  reconnects: number;
  /** Answers `EventSource` would have given up on (non-200, wrong content type, connection refused). */
  failures: number;
  /** What those answers were: `status 503`, `content-type text/plain`. */
  failureReasons: Record<string, number>;
  /** Streams that ended with drain's last frame (`event: drain` with `retry:`) before their clean end. */
  farewells: number;
}

export interface SseClient {
  readonly stats: SseStats;
  stop(): void;
}

/** Parse one SSE block (lines up to a blank line). */
function fields(block: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of block.split("\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const value = line.slice(colon + 1);
    map.set(line.slice(0, colon), value.startsWith(" ") ? value.slice(1) : value);
  }
  return map;
}

/** Start one client on `url`; it runs until `stop()`. */
export function startSseClient(url: string, defaultRetryMs: number): SseClient {
  const stats: SseStats = { events: 0, gaps: 0, missed: 0, duplicates: 0, reconnects: 0, failures: 0, failureReasons: {}, farewells: 0 };
  let lastId: number | undefined;
  let retryMs = defaultRetryMs;
  // False after EventSource would have failed: the app's new EventSource knows no Last-Event-ID.
  let resume = true;
  let stopped = false;
  let request: ClientRequest | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const schedule = (): void => {
    if (stopped) return;
    stats.reconnects += 1;
    timer = setTimeout(open, retryMs);
  };

  const onEvent = (block: string): void => {
    const f = fields(block);
    const retry = Number(f.get("retry"));
    if (f.has("retry") && Number.isInteger(retry)) retryMs = retry;
    if (f.get("event") === "drain") stats.farewells += 1;
    const idText = f.get("id");
    if (idText === undefined || !f.has("data")) return;
    const id = Number(idText);
    stats.events += 1;
    if (lastId !== undefined) {
      if (id > lastId + 1) {
        stats.gaps += 1;
        stats.missed += id - lastId - 1;
      } else if (id <= lastId) {
        stats.duplicates += 1;
      }
    }
    lastId = Math.max(id, lastId ?? id);
  };

  function open(): void {
    if (stopped) return;
    const headers: Record<string, string> = { accept: "text/event-stream" };
    if (lastId !== undefined && resume) headers["last-event-id"] = String(lastId);
    let ended = false;
    const finish = (failed: boolean): void => {
      if (ended) return;
      ended = true;
      if (stopped) return;
      if (failed) stats.failures += 1;
      schedule();
    };
    request = get(url, { headers, agent: false }, (res) => {
      if (res.statusCode !== 200 || !String(res.headers["content-type"]).startsWith("text/event-stream")) {
        res.resume();
        const reason = res.statusCode !== 200 ? `status ${res.statusCode}` : `content-type ${res.headers["content-type"]}`;
        stats.failureReasons[reason] = (stats.failureReasons[reason] ?? 0) + 1;
        // EventSource gives up for good; the app starts a new one, which has no Last-Event-ID.
        resume = false;
        finish(true);
        return;
      }
      resume = true;
      let buffer = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buffer += chunk.replaceAll("\r\n", "\n");
        let end = buffer.indexOf("\n\n");
        while (end >= 0) {
          onEvent(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf("\n\n");
        }
      });
      res.once("end", () => finish(false));
      res.once("error", () => finish(false));
      res.once("aborted", () => finish(false));
    });
    // A network error: EventSource reconnects with Last-Event-ID.
    request.once("error", () => finish(false));
  }

  open();
  return {
    stats,
    stop(): void {
      stopped = true;
      if (timer) clearTimeout(timer);
      request?.destroy();
    },
  };
}
