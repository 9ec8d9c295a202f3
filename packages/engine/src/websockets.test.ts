import { describe, expect, it } from "vitest";
import { createEngine } from "./engine.ts";
import { FakeClock, FakeRuntime } from "./testing/fake-runtime.ts";
import type { ClosableSocket } from "./types.ts";

function setup() {
  const clock = new FakeClock();
  const engine = createEngine({ exit: false, logger: false, wsCloseTimeoutMs: 500 }, new FakeRuntime(), clock);
  return { engine, clock };
}

/** A socket that records the close codes it was sent. */
function recordingSocket(): ClosableSocket & { readonly closes: number[]; terminated: number } {
  const closes: number[] = [];
  const socket = {
    closes,
    terminated: 0,
    close: (code?: number) => void closes.push(code ?? 1005),
    terminate: () => void socket.terminated++,
  };
  return socket;
}

describe("WebSocket registration", () => {
  it("registers one socket object once, however many times it is registered", async () => {
    const { engine } = setup();
    const socket = recordingSocket();
    const first = engine.websocket(socket);
    const second = engine.websocket(socket);
    expect(second).toBe(first);
    expect(engine.counts().websockets).toBe(1);

    const report = engine.shutdown({ reason: "deploy" });
    expect(socket.closes).toEqual([1001]);
    // Both registrants report the close; the core hears it once.
    first.closed();
    second.closed();
    expect(engine.counts().websockets).toBe(0);
    expect((await report).websockets).toEqual({ closed: 1, cutAfterCloseTimeout: 0, forced: 0 });
  });

  it("keeps distinct sockets apart", () => {
    const { engine } = setup();
    const a = engine.websocket(recordingSocket());
    const b = engine.websocket(recordingSocket());
    expect(b).not.toBe(a);
    expect(engine.counts().websockets).toBe(2);
    a.closed();
    expect(engine.counts().websockets).toBe(1);
  });

  it("registers a socket anew after its registration closed", () => {
    const { engine } = setup();
    const socket = recordingSocket();
    const first = engine.websocket(socket);
    first.closed();
    const again = engine.websocket(socket);
    expect(again).not.toBe(first);
    expect(engine.counts().websockets).toBe(1);
  });

  it("closes a socket registered during the drain at once, and terminates it at the close timeout", async () => {
    const { engine, clock } = setup();
    const blocker = engine.track.open("request");
    engine.track.request(blocker);
    void engine.shutdown();
    const socket = recordingSocket();
    engine.websocket(socket);
    expect(socket.closes).toEqual([1001]);
    clock.advance(500);
    expect(socket.terminated).toBe(1);
    engine.track.responseEnd(blocker, true);
    engine.track.closed(blocker);
    expect((await engine.stopped).websockets).toEqual({ closed: 1, cutAfterCloseTimeout: 1, forced: 0 });
  });
});
