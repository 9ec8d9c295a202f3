import type { Id } from "@drain/core";
import { describe, expect, it } from "vitest";
import { fakeEngine, FakeRuntime, settle } from "./testing/fake-runtime.ts";
import type { ActiveResources, ConnectionCommand, DrainOptions, ForcedDetails } from "./types.ts";

/** A runtime that can describe its connections and list what holds its process, and records when it was asked. */
class DescribingRuntime extends FakeRuntime {
  readonly asked: string[] = [];
  readonly details = new Map<Id, ForcedDetails>();
  holders: ActiveResources | undefined = { kinds: ["Timeout", "TCPSocketWrap", "Timeout"] };

  override execute(command: ConnectionCommand): void {
    this.asked.push(`execute ${command.type}${"id" in command ? ` ${command.id}` : ""}`);
    super.execute(command);
  }

  describe(id: Id): ForcedDetails | undefined {
    this.asked.push(`describe ${id}`);
    return this.details.get(id);
  }

  activeResources(): ActiveResources | undefined {
    return this.holders;
  }
}

const setup = (options: DrainOptions = {}) => fakeEngine({ exit: false, ...options }, new DescribingRuntime());

describe("forced items", () => {
  it("asks the adapter about each forced connection before destroying any, and puts the answer in the report and the log", async () => {
    const { clock, runtime, logger, engine } = setup({ timeoutMs: 1_000 });
    const a = engine.track.open("http1");
    engine.track.request(a);
    clock.advance(300);
    const b = engine.track.open("http1");
    engine.track.request(b);
    runtime.details.set(a, { peer: "127.0.0.1:5000", method: "GET", path: "/hang", bytesSent: 0 });
    void engine.shutdown({ reason: "SIGTERM" });
    runtime.asked.length = 0;
    clock.advance(1_000);
    const report = await engine.stopped;
    expect(runtime.asked).toEqual([`describe ${a}`, `describe ${b}`, `execute destroy ${a}`, `execute destroy ${b}`]);
    expect(report.forcedItems).toEqual([
      { id: a, kind: "http1", ageMs: 1_300, ageIsLowerBound: false, peer: "127.0.0.1:5000", method: "GET", path: "/hang", bytesSent: 0 },
      { id: b, kind: "http1", ageMs: 1_000, ageIsLowerBound: false },
    ]);
    expect(logger.lines).toContain("drain: forced 2: http1 GET /hang from 127.0.0.1:5000 (1.3 s old, 0 bytes sent); http1 (1.0 s old)");
  });

  it("describes an SSE stream from its own record (path, bytes written) and its connection (peer)", async () => {
    const { runtime, engine } = setup({ timeoutMs: 500 });
    const conn = engine.track.open("http1");
    engine.track.request(conn);
    const request = new Request("http://localhost/events?room=1");
    engine.track.bind(request, conn);
    runtime.details.set(conn, { peer: "10.0.0.2:4000", method: "GET", path: "/events?room=1" });
    engine.sse((stream) => void stream.send({ data: "hello" }), { request, heartbeatMs: 0 });
    await settle();
    // The SSE stream ignores its farewell in this test: it is forced with its connection.
    void engine.shutdown({ mode: "immediate" });
    const report = await engine.stopped;
    const sse = report.forcedItems.find((item) => item.kind === "sse");
    expect(sse).toMatchObject({ kind: "sse", path: "/events?room=1", method: "GET", peer: "10.0.0.2:4000" });
    expect(sse?.bytesSent).toBe("data: hello\n\n".length);
  });

  it("names a WebSocket's path and peer from its upgrade request", async () => {
    const { engine } = setup();
    const upgrade = { method: "GET", url: "/chat", socket: { remoteAddress: "::1", remotePort: 6000 } };
    engine.websocket({ close: () => {} }, { request: upgrade });
    void engine.shutdown({ mode: "immediate" });
    const report = await engine.stopped;
    expect(report.forcedItems).toEqual([{ id: expect.any(Number), kind: "ws", ageMs: 0, ageIsLowerBound: false, path: "/chat", peer: "[::1]:6000" }]);
  });

  it("a describe that throws is reported and leaves the item with its kind and age; the shutdown goes on", async () => {
    const { runtime, engine } = setup();
    runtime.describe = () => {
      throw new Error("boom");
    };
    const errors: string[] = [];
    engine.on("error", ({ context }) => errors.push(context));
    const id = engine.track.open("http1");
    engine.track.request(id);
    void engine.shutdown({ mode: "immediate" });
    const report = await engine.stopped;
    expect(report.forcedItems).toEqual([{ id, kind: "http1", ageMs: 0, ageIsLowerBound: false }]);
    expect(errors).toEqual([`describing forced http1 ${id}`]);
  });

  it("asks nothing while serving and on a clean shutdown", async () => {
    const { runtime, engine } = setup();
    const id = engine.track.open("http1");
    engine.track.request(id);
    engine.track.responseEnd(id, false);
    engine.track.closed(id);
    const report = await engine.shutdown();
    expect(report).toMatchObject({ clean: true, forcedItems: [], forcedItemsLeftOut: 0 });
    expect(runtime.asked.filter((line) => line.startsWith("describe"))).toEqual([]);
  });
});

/** The default `stillRunningAfterMs`. */
const STILL_RUNNING_AFTER_MS = 2_000;

describe("still running after the report", () => {
  it("with exit: false, says once what holds the process, on an unref'd timer, and emits still-running", async () => {
    const { clock, logger, engine } = setup();
    const events: unknown[] = [];
    engine.on("still-running", (event) => events.push(event));
    await engine.shutdown();
    await settle();
    expect(clock.backgroundTimers).toBe(1);
    clock.advance(STILL_RUNNING_AFTER_MS - 1);
    expect(events).toEqual([]);
    clock.advance(1);
    expect(events).toEqual([{ afterMs: STILL_RUNNING_AFTER_MS, holders: ["Timeout", "TCPSocketWrap", "Timeout"] }]);
    expect(logger.lines).toContain(
      "drain: the process is still running 2.0 s after the report; what holds it: 2 Timeout, 1 TCPSocketWrap " +
        "(none of it is drain's: its listener, connections, timers and signal listeners are closed)",
    );
  });

  it("says so where the runtime cannot list what holds it, and what a list leaves out", async () => {
    const blind = setup();
    blind.runtime.holders = undefined;
    await blind.engine.shutdown();
    await settle();
    blind.clock.advance(STILL_RUNNING_AFTER_MS);
    expect(blind.logger.lines.at(-1)).toBe(
      "drain: the process is still running 2.0 s after the report; fake cannot list what holds it (look for the app's timers, sockets, servers and child processes)",
    );
    const partial = setup();
    partial.runtime.holders = { kinds: [], unseen: "Deno.listen servers" };
    await partial.engine.shutdown();
    await settle();
    partial.clock.advance(STILL_RUNNING_AFTER_MS);
    expect(partial.logger.lines.at(-1)).toBe("drain: the process is still running 2.0 s after the report; fake names nothing that holds it; not shown: Deno.listen servers");
  });

  it("does not look when drain exits the process itself", async () => {
    const { clock, runtime, engine } = setup({ exit: {} });
    await engine.shutdown();
    await settle();
    expect(runtime.exits).toEqual([0]);
  });
});

describe("stillRunningAfterMs", () => {
  it("sets when to look, and false never looks", async () => {
    const soon = setup({ stillRunningAfterMs: 500 });
    const events: number[] = [];
    soon.engine.on("still-running", ({ afterMs }) => events.push(afterMs));
    await soon.engine.shutdown();
    await settle();
    soon.clock.advance(500);
    expect(events).toEqual([500]);
    const never = setup({ stillRunningAfterMs: false });
    await never.engine.shutdown();
    await settle();
    expect(never.clock.backgroundTimers).toBe(0);
  });

  it.each([-1, Number.NaN, "2000", null])("rejects %s at start-up with ERR_DRAIN_INVALID_DURATION", (value) => {
    expect(() => setup({ stillRunningAfterMs: value as never })).toThrow(expect.objectContaining({ code: "ERR_DRAIN_INVALID_DURATION" }));
  });
});
