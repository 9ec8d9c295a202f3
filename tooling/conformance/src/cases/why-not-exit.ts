/**
 * "Why did it not exit?": the report names what the deadline (or `immediate`) forced, and with `exit: false` drain
 * says what still holds the process after the report. On every target; a runtime that cannot tell something has a
 * gap (see `Target.gaps`), and the case asserts what it does say instead.
 */
import type { ForcedItem } from "@drain/core";
import { expect, it } from "vitest";
import { openSse } from "../clients.ts";
import type { Target } from "../targets.ts";
import { barrier, FORCED, inFlight, later, start } from "./_support.ts";

const PEER = /^127\.0\.0\.1:\d+$/;

export function whyNotExitCases(target: Target): void {
  it("names a request forced at the deadline: its kind, an age of at least the time it ran, its peer, GET /hang", async () => {
    const timeoutMs = 800;
    const fixture = await start(target, { options: { timeoutMs } });
    const sentAt = performance.now();
    const hang = await inFlight(fixture, "/hang");
    await barrier(fixture);
    fixture.signal("SIGTERM");
    const exit = await fixture.exit;
    expect(exit.code).toBe(FORCED);
    void hang.ended;
    const report = fixture.report();
    expect(report.forcedItems).toHaveLength(1);
    expect(report.forcedItemsLeftOut).toBe(0);
    const item = report.forcedItems[0] as ForcedItem;
    expect(["http1", "http2", "request"]).toContain(item.kind);
    // In flight from before the signal to the force at the deadline, and no longer than the client saw it.
    expect(item.ageMs).toBeGreaterThanOrEqual(timeoutMs);
    expect(item.ageMs).toBeLessThanOrEqual(exit.at - sentAt);
    if (target.gaps.forcedRequestUndescribed !== undefined) {
      expect(item).toEqual({ id: item.id, kind: "request", ageMs: item.ageMs, ageIsLowerBound: true });
    } else if (target.gaps.forcedSessionWithoutRequest !== undefined) {
      expect(item.kind).toBe("http2");
      expect(item.peer).toMatch(PEER);
      expect(item.bytesSent).toBeGreaterThan(0); // the session's SETTINGS at least
      expect(item.method).toBeUndefined();
    } else {
      expect(item).toMatchObject({ method: "GET", path: "/hang" });
      expect(item.peer).toMatch(PEER);
    }
    // The log line names it too.
    expect(fixture.stderr()).toMatch(/drain: forced 1: (http1|http2|request)/);
  });

  // A handler that returned its response long before the signal while the body still streams: drain must have
  // followed it (on Deno the adapter reads `info.completed` only for such responses while serving).
  it("forces and names at the deadline a streamed download whose handler returned before the signal", async () => {
    const timeoutMs = 800;
    const fixture = await start(target, { options: { timeoutMs } });
    const download = await inFlight(fixture, "/download?chunks=40&ms=20000");
    await barrier(fixture);
    fixture.signal("SIGTERM");
    const exit = await fixture.exit;
    expect(exit.code).toBe(FORCED);
    void download.ended;
    const report = fixture.report();
    expect(report.clean).toBe(false);
    expect(report.forcedItems).toHaveLength(1);
    const item = report.forcedItems[0] as ForcedItem;
    expect(["http1", "http2", "request"]).toContain(item.kind);
    expect(item.ageMs).toBeGreaterThanOrEqual(timeoutMs);
    if (target.gaps.forcedRequestUndescribed === undefined && target.gaps.forcedSessionWithoutRequest === undefined) {
      expect(item).toMatchObject({ method: "GET", path: "/download?chunks=40&ms=20000" });
    }
  });

  if (target.http1) {
    it("names an SSE stream forced by an immediate stop: its path, the bytes it wrote, its peer", async () => {
      const fixture = await start(target, { options: { mode: "immediate" } });
      const reader = await openSse(fixture.url);
      later(() => reader.connection.destroy());
      await reader.waitForEvents(2);
      fixture.signal("SIGTERM");
      const exit = await fixture.exit;
      expect(exit.code).toBe(FORCED);
      const sse = fixture.report().forcedItems.find((item) => item.kind === "sse");
      expect(sse).toMatchObject({ kind: "sse", path: "/sse" });
      // Two ticks at least reached the client: "id: 1\ndata: tick 1\n\n" is 20 bytes.
      expect(sse?.bytesSent).toBeGreaterThanOrEqual(40);
      expect(sse?.ageMs).toBeGreaterThanOrEqual(0);
      expect(sse?.peer).toMatch(PEER);
    });
  }

  it("with exit: false, says what still holds the process after the report: the app's timer and socket", async () => {
    const fixture = await start(target, { options: { exit: false }, env: { FIXTURE_LEAVE_BEHIND: "1" } });
    fixture.signal("SIGTERM");
    await fixture.waitForLine("REPORT ");
    const event = JSON.parse((await fixture.waitForLine("STILL_RUNNING ", 10_000)).slice("STILL_RUNNING ".length)) as {
      afterMs: number;
      holders?: string[];
    };
    const line = await fixture.waitForStderr("drain: the process is still running");
    expect(fixture.exited()).toBe(false);
    expect(event.afterMs).toBeGreaterThan(0);
    if (target.gaps.cannotListHolders !== undefined) {
      expect(event.holders).toBeUndefined();
      expect(line).toMatch(/bun cannot list what holds it/);
    } else {
      // The interval, the listener and both ends of its connection; nothing of drain's.
      expect(event.holders).toEqual(expect.arrayContaining(["Timeout", "TCPServerWrap", "TCPSocketWrap"]));
      expect(line).toMatch(/what holds it: .*\d+ Timeout/);
      expect(line).toMatch(/1 TCPServerWrap/);
      expect(line).toMatch(/2 TCPSocketWrap/);
    }
  });
}
