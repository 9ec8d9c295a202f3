import { describe, expect, it } from "vitest";
import { createEngine } from "./engine.ts";
import { formatMessage } from "./sse-format.ts";
import { FakeClock, FakeRuntime } from "./testing/fake-runtime.ts";

function setup() {
  const clock = new FakeClock();
  const engine = createEngine({ exit: false, logger: false, sseRetryMs: [2000, 2000] }, new FakeRuntime(), clock);
  return { engine, clock };
}

async function readAll(response: Response): Promise<string> {
  return await response.text();
}

describe("SSE streams the engine owns", () => {
  it("formats events: id, event, retry, one data line per line of data", () => {
    expect(formatMessage({ id: "7", event: "tick", data: "a\nb" })).toBe("id: 7\nevent: tick\ndata: a\ndata: b\n\n");
    expect(formatMessage({ id: "x\ny", data: "" })).toBe("id: x y\ndata: \n\n");
  });

  it("on drain sends a last frame with retry: and no id:, then ends the stream cleanly", async () => {
    const { engine } = setup();
    const response = engine.sse((stream) => {
      stream.send({ id: "1", data: "first" });
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const body = readAll(response);
    await Promise.resolve();
    await Promise.resolve();
    const report = engine.shutdown({ reason: "deploy" });
    expect(await body).toBe("id: 1\ndata: first\n\nevent: drain\nretry: 2000\ndata: deploy\n\n");
    expect((await report).sse).toEqual({ ended: 1, forced: 0 });
  });

  it("a stream opened during the drain is a 200 that ends at once with retry:, never a 503", async () => {
    const { engine } = setup();
    const blocker = engine.track.open("request");
    engine.track.request(blocker);
    void engine.shutdown({ reason: "deploy" });
    let started = false;
    const response = engine.sse(() => {
      started = true;
    });
    expect(response.status).toBe(200);
    expect(await readAll(response)).toBe("event: drain\nretry: 2000\ndata: deploy\n\n");
    expect(started).toBe(false);
  });

  it("hands the handler Last-Event-ID and an AbortSignal that fires when the client goes away", async () => {
    const { engine } = setup();
    let signal: AbortSignal | undefined;
    let lastEventId: string | undefined;
    const response = engine.sse(
      (stream) => {
        signal = stream.signal;
        lastEventId = stream.lastEventId;
      },
      { request: new Request("http://x/", { headers: { "last-event-id": "41" } }) },
    );
    await Promise.resolve();
    await Promise.resolve();
    expect(lastEventId).toBe("41");
    expect(engine.counts().sse).toBe(1);
    await response.body?.cancel();
    expect(signal?.aborted).toBe(true);
    expect(engine.counts().sse).toBe(0);
  });

  it("errors a stream still open at the deadline (the runtime aborts the response)", async () => {
    const { engine, clock } = setup();
    const response = engine.sse(() => {});
    const reader = response.body!.getReader();
    const blocker = engine.track.open("request");
    engine.track.request(blocker);
    void engine.shutdown({ mode: "immediate" });
    await expect(reader.read()).rejects.toThrow(/forced/);
    clock.advance(0);
  });
});

describe("WebSocket registry", () => {
  it("sends 1001 on drain and terminates a socket that never answers, at the close timeout", async () => {
    const clock = new FakeClock();
    const engine = createEngine({ exit: false, logger: false, wsCloseTimeoutMs: 400 }, new FakeRuntime(), clock);
    const calls: string[] = [];
    const registration = engine.websocket({
      close: (code, reason) => calls.push(`close ${code} ${reason}`),
      terminate: () => calls.push("terminate"),
    });
    void engine.shutdown();
    expect(calls).toEqual(["close 1001 server shutting down"]);
    clock.advance(399);
    expect(calls).toHaveLength(1);
    clock.advance(1);
    expect(calls).toEqual(["close 1001 server shutting down", "terminate"]);
    registration.closed();
    const report = await engine.stopped;
    // Cut after the close timeout: the protocol's normal path, so the report stays clean.
    expect(report.websockets).toEqual({ closed: 1, cutAfterCloseTimeout: 1, forced: 0 });
    expect(report.clean).toBe(true);
  });

  it("a socket that answers the close ends the drain without forcing", async () => {
    const clock = new FakeClock();
    const engine = createEngine({ exit: false, logger: false }, new FakeRuntime(), clock);
    const registration = engine.websocket({ close: () => queueMicrotask(() => registration.closed()) });
    const report = await engine.shutdown();
    expect(report.websockets).toEqual({ closed: 1, cutAfterCloseTimeout: 0, forced: 0 });
    expect(report.clean).toBe(true);
  });
});
