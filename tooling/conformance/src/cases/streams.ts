/**
 * Long-lived streams: SSE gets a last `retry:` frame and a clean end, never a 503; WebSockets get
 * 1001, and one that never answers the close is cut off at `wsCloseTimeoutMs`.
 */
import { expect, it } from "vitest";
import { connect, openDeafWebSocket, openSse, openWebSocket, tryConnect, type RawConnection, type SseReader } from "../clients.ts";
import type { Target } from "../targets.ts";
import { FORCED, later, PROMPT_MS, start } from "./_support.ts";

async function sse(url: string, options: { lastEventId?: string; connection?: RawConnection } = {}): Promise<SseReader> {
  const reader = await openSse(url, options);
  later(() => reader.connection.destroy());
  return reader;
}

export function sseCases(target: Target): void {
  it("ends SSE streams with a last retry: frame and a clean chunked end, then FIN", async () => {
    const fixture = await start(target);
    const fresh = await sse(fixture.url);
    const resumed = await sse(fixture.url, { lastEventId: "41" });
    expect(fresh.status).toBe(200);
    expect(fresh.headers["content-type"]).toMatch(/^text\/event-stream/);
    await fresh.waitForEvents(2);
    await resumed.waitForEvents(1);
    expect(fresh.events.slice(0, 2).map((e) => [e.id, e.data])).toEqual([
      ["1", "tick 1"],
      ["2", "tick 2"],
    ]);
    expect(resumed.events[0]?.id).toBe("42");

    const signalledAt = fixture.signal("SIGTERM");
    for (const result of await Promise.all([fresh.done, resumed.done])) {
      const last = result.events[result.events.length - 1];
      expect(last?.retry).toBeGreaterThan(0);
      expect(result.cleanEnd).toBe(true);
      expect(result.end.kind).toBe("FIN");
      expect(result.end.at).toBeGreaterThanOrEqual(result.cleanEndAt ?? Number.POSITIVE_INFINITY);
      expect(result.end.at - signalledAt).toBeLessThan(PROMPT_MS);
    }
    const exit = await fixture.exit;
    expect(exit.code).toBe(0);
    expect(exit.msSinceSignal).toBeLessThan(PROMPT_MS);
    expect(fixture.report().sse.ended).toBe(2);
  });

  it("does not wait past the deadline for an SSE reader that stopped reading", async () => {
    const timeoutMs = 3000;
    const fixture = await start(target, { options: { timeoutMs } });
    const reader = await sse(fixture.url);
    await reader.waitForEvents(1);
    reader.pause();

    fixture.signal("SIGTERM");
    const exit = await fixture.exit;
    expect(exit.msSinceSignal).toBeLessThan(timeoutMs + PROMPT_MS);
    expect([0, FORCED]).toContain(exit.code);
    // Reading again after the exit shows what the server managed to send.
    reader.connection.socket.resume();
    const result = await reader.done;
    if (exit.code === 0) {
      expect(result.cleanEnd).toBe(true);
      expect(result.events[result.events.length - 1]?.retry).toBeGreaterThan(0);
    } else {
      expect(fixture.report().sse.forced).toBe(1);
    }
  });

  it("never answers a new SSE request with 503 during the drain", async () => {
    const fixture = await start(target, { options: { keepAliveGraceMs: 1000 } });
    const slow = await connect(fixture.url);
    later(() => slow.destroy());
    slow.send("/slow?ms=1500");
    const watcher = await connect(fixture.url);
    later(() => watcher.destroy());
    watcher.send("/signal");
    const old = await connect(fixture.url);
    later(() => old.destroy());
    expect((await old.request("/")).status).toBe(200);

    fixture.signal("SIGTERM");
    expect((await watcher.readResponse()).body).toBe("aborted");

    const reached: SseReader[] = [];
    const fresh = await tryConnect(fixture.url);
    // Gap (see target.gaps.listenerAfterGrace): the listener is still open during the grace; the stream is served.
    if (target.gaps.listenerAfterGrace !== undefined) expect(fresh.connection).toBeDefined();
    // Elsewhere the listener closes once its accept backlog is empty: a new connection is reached and served
    // like any other, or refused, or (its handshake finished in the kernel's backlog just as the listener
    // closed) ended before any response byte, which a client may safely retry. Never a 503.
    if (fresh.connection !== undefined) {
      const opened = await sse(fixture.url, { connection: fresh.connection }).catch((error: unknown) => error);
      if (opened instanceof Error) {
        expect(target.gaps.listenerAfterGrace).toBeUndefined();
        expect(opened.message).toMatch(/got no response head/);
      } else reached.push(opened as SseReader);
    } else expect(["ECONNREFUSED", "ECONNRESET"]).toContain(fresh.error);
    // An old keep-alive connection inside its grace is reached.
    reached.push(await sse(fixture.url, { connection: old }));
    for (const late of reached) {
      expect(late.status).toBe(200);
      const result = await late.done;
      expect(result.cleanEnd).toBe(true);
      expect(result.events.some((e) => (e.retry ?? 0) > 0)).toBe(true);
    }
    expect((await slow.readResponse()).status).toBe(200);
    expect((await fixture.exit).code).toBe(0);
  });
}

export function webSocketCases(target: Target): void {
  it("closes a WebSocket with 1001 and a reason, and exits promptly", async () => {
    const fixture = await start(target);
    const ws = await openWebSocket(fixture.url);
    later(() => ws.terminate());
    expect(await ws.echo("hello")).toBe("hello");

    const signalledAt = fixture.signal("SIGTERM");
    const close = await ws.closed;
    expect(close.code).toBe(1001);
    expect(close.reason).not.toBe("");
    expect(close.at - signalledAt).toBeLessThan(PROMPT_MS);
    const exit = await fixture.exit;
    expect(exit.code).toBe(0);
    expect(exit.msSinceSignal).toBeLessThan(PROMPT_MS);
    expect(fixture.report().websockets.closed).toBe(1);
  });

  it("cuts off a WebSocket that never answers the close after wsCloseTimeoutMs and exits 0, not forced", async () => {
    const wsCloseTimeoutMs = 500;
    const timeoutMs = 5000;
    const fixture = await start(target, { options: { wsCloseTimeoutMs, timeoutMs } });
    const deaf = await openDeafWebSocket(fixture.url);
    later(() => deaf.connection.destroy());

    const signalledAt = fixture.signal("SIGTERM");
    const frame = await deaf.closeFrame;
    expect(frame.code).toBe(1001);
    expect(frame.at - signalledAt).toBeLessThan(PROMPT_MS);
    const end = await deaf.ended;
    expect(end.at - signalledAt).toBeLessThan(wsCloseTimeoutMs + PROMPT_MS);
    const exit = await fixture.exit;
    expect(exit.msSinceSignal).toBeLessThan(wsCloseTimeoutMs + PROMPT_MS);
    // Cutting a client that leaves the close unanswered is the protocol's normal path (RFC 6455 §7.1.1), not a
    // force: the same clean exit on every runtime.
    expect(exit.code).toBe(0);
    const { websockets, clean } = fixture.report();
    expect(clean).toBe(true);
    expect(websockets.closed).toBe(1);
    expect(websockets.forced).toBe(0);
    // Gap (see target.gaps.wsCloseEndsConnection): the runtime's close already ended the connection; nothing to cut.
    expect(websockets.cutAfterCloseTimeout).toBe(target.gaps.wsCloseEndsConnection === undefined ? 1 : 0);
  });
}
