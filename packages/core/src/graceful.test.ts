import { describe, expect, it } from "vitest";
import { counts, initial, nextDeadline, phase, step } from "./index.ts";
import type { Command } from "./types.ts";
import { REQUEST_LEVEL, SIGTERM, feed, nodeOptions, ofType, phases, reportOf } from "./testing/fixtures.test-helpers.ts";
import { runUntilStopped } from "./testing/driver.test-helpers.ts";

/** Every command that names connection `id`. */
function about(commands: readonly Command[], id: number): Command[] {
  return commands.filter((c) => "id" in c && c.id === id);
}

describe("graceful shutdown", () => {
  it("stops at once when nothing is open: drain, cleanup, stopped", () => {
    const s0 = initial(nodeOptions());
    const [s1, cmds] = step(s0, { ...SIGTERM, now: 1_000 });
    expect(phases(cmds)).toEqual(["drain", "cleanup", "stopped"]);
    expect(cmds).toContainEqual({ type: "phase", phase: "drain", at: 1_000 });
    expect(ofType(cmds, "stop-accepting")).toHaveLength(1);
    expect(cmds).toContainEqual({ type: "abort-signal", reason: "SIGTERM" });
    expect(reportOf(cmds)).toMatchObject({ mode: "graceful", reason: "SIGTERM", clean: true, requestedAt: 1_000, stoppedAt: 1_000 });
    expect(phase(s1)).toBe("stopped");
    expect(nextDeadline(s1)).toBeUndefined();
  });

  it("notify: fails readiness but keeps serving, and marks every response Connection: close", () => {
    const s0 = initial(nodeOptions({ notifyMs: 5_000 }));
    let [s, cmds] = feed(s0, [
      { type: "open", id: 1, kind: "http1", now: 0 },
      { type: "request", id: 1, now: 0 }, // active
      { type: "open", id: 2, kind: "http1", now: 0 },
      { type: "request", id: 2, now: 0 },
      { type: "response-end", id: 2, closing: false, now: 0 }, // idle
      { type: "open", id: 3, kind: "http1", now: 0 }, // never used
    ]);
    [s, cmds] = step(s, { ...SIGTERM, now: 10_000 });
    expect(phases(cmds)).toEqual(["notify"]);
    expect(cmds).toContainEqual({ type: "phase", phase: "notify", at: 10_000 });
    expect(cmds).toContainEqual({ type: "mark-closing", id: 1 });
    expect(cmds).not.toContainEqual({ type: "stop-accepting" });
    expect(ofType(cmds, "close")).toEqual([]);
    expect(phase(s)).toBe("notify");
    expect(nextDeadline(s)).toBe(15_000);

    // Still serving: a request on an idle connection and a brand-new connection both get Connection: close.
    [s, cmds] = feed(s, [
      { type: "request", id: 2, now: 11_000 },
      { type: "open", id: 4, kind: "http1", now: 12_000 },
      { type: "request", id: 4, now: 12_000 },
    ]);
    expect(cmds).toEqual([
      { type: "mark-closing", id: 2 },
      { type: "mark-closing", id: 4 },
    ]);

    // The notify window ends: stop accepting, fire the signal, close the preconnect.
    [s, cmds] = step(s, { type: "tick", now: 15_000 });
    expect(phases(cmds)).toEqual(["drain"]);
    expect(cmds).toContainEqual({ type: "phase", phase: "drain", at: 15_000 });
    expect(cmds).toContainEqual({ type: "stop-accepting" });
    expect(cmds).toContainEqual({ type: "abort-signal", reason: "SIGTERM" });
    expect(cmds).toContainEqual({ type: "close", id: 3, why: "never-used" });
    expect(phase(s)).toBe("drain");
  });

  it("closes a never-used connection (a browser preconnect) at once, and forgets it", () => {
    const s0 = initial(nodeOptions({ keepAliveGraceMs: 1_000 }));
    const [s1] = step(s0, { type: "open", id: 1, kind: "http1", now: 0 });
    const [s2, cmds] = step(s1, { ...SIGTERM, now: 5_000 });
    expect(cmds).toContainEqual({ type: "close", id: 1, why: "never-used" });
    // `close` is terminal: the core does not wait for the socket's `closed` to finish the drain.
    expect(reportOf(cmds).connections.closedNeverUsed).toBe(1);
    const [, after] = step(s2, { type: "closed", id: 1, now: 101 });
    expect(after).toEqual([]);
  });

  it("gives a connection opened within keepAliveGraceMs the grace: its first request may be on its way", () => {
    // Under load the server may not have read a request the client sent just before the signal; closing the
    // socket then would reset the client. So a fresh connection is treated like one that just finished a response.
    const s0 = initial(nodeOptions({ keepAliveGraceMs: 1_000 }));
    let [s, cmds] = feed(s0, [
      { type: "open", id: 1, kind: "http1", now: 4_800 },
      { type: "open", id: 2, kind: "http1", now: 4_900 },
      { ...SIGTERM, now: 5_000 },
    ]);
    expect(ofType(cmds, "close")).toEqual([]);
    expect(nextDeadline(s)).toBe(5_800);
    [s, cmds] = step(s, { type: "request", id: 2, now: 5_001 });
    expect(cmds).toEqual([{ type: "mark-closing", id: 2 }]);
    [s, cmds] = step(s, { type: "tick", now: 5_800 });
    expect(ofType(cmds, "close")).toEqual([{ type: "close", id: 1, why: "never-used" }]);
  });

  it("closes an idle connection whose last response ended longer ago than keepAliveGraceMs", () => {
    const s0 = initial(nodeOptions({ keepAliveGraceMs: 1_000 }));
    const [s1] = feed(s0, [
      { type: "open", id: 1, kind: "http1", now: 0 },
      { type: "request", id: 1, now: 0 },
      { type: "response-end", id: 1, closing: false, now: 10 },
    ]);
    const [, cmds] = step(s1, { ...SIGTERM, now: 2_000 });
    expect(cmds).toContainEqual({ type: "close", id: 1, why: "idle" });
  });

  it("waits out the keep-alive grace before closing a connection that just answered", () => {
    const s0 = initial(nodeOptions({ keepAliveGraceMs: 1_000 }));
    let [s, cmds] = feed(s0, [
      { type: "open", id: 1, kind: "http1", now: 0 },
      { type: "request", id: 1, now: 0 },
      { type: "response-end", id: 1, closing: false, now: 1_000 },
      { ...SIGTERM, now: 1_500 },
    ]);
    // Closing now could cut off the client's next request already on the wire.
    expect(about(cmds, 1)).toEqual([]);
    expect(nextDeadline(s)).toBeLessThanOrEqual(2_000);
    [s, cmds] = step(s, { type: "tick", now: 1_999 });
    expect(about(cmds, 1)).toEqual([]);
    [s, cmds] = step(s, { type: "tick", now: 2_000 });
    expect(cmds).toContainEqual({ type: "close", id: 1, why: "idle" });
  });

  it("marks a request that arrives inside the grace, and lets the runtime close after the response", () => {
    const s0 = initial(nodeOptions({ keepAliveGraceMs: 1_000 }));
    let [s, cmds] = feed(s0, [
      { type: "open", id: 1, kind: "http1", now: 0 },
      { type: "request", id: 1, now: 0 },
      { type: "response-end", id: 1, closing: false, now: 1_000 },
      { ...SIGTERM, now: 1_500 },
    ]);
    [s, cmds] = step(s, { type: "request", id: 1, now: 1_700 });
    expect(cmds).toContainEqual({ type: "mark-closing", id: 1 });
    // The response carried Connection: close, so the runtime closes the socket; the core sends nothing more.
    [s, cmds] = feed(s, [
      { type: "tick", now: 2_000 },
      { type: "response-end", id: 1, closing: true, now: 2_100 },
    ]);
    expect(about(cmds, 1)).toEqual([]);
    [s, cmds] = step(s, { type: "closed", id: 1, now: 2_110 });
    expect(phase(s)).toBe("stopped");
    expect(reportOf(cmds)).toMatchObject({ clean: true, requestsDuringShutdown: 1 });
  });

  it("marks an active connection closing, and closes it one grace after a response that could not say so", () => {
    const s0 = initial(nodeOptions({ keepAliveGraceMs: 1_000 }));
    let [s, cmds] = feed(s0, [
      { type: "open", id: 1, kind: "http1", now: 0 },
      { type: "request", id: 1, now: 0 },
      { ...SIGTERM, now: 100 },
    ]);
    expect(cmds).toContainEqual({ type: "mark-closing", id: 1 });
    expect(ofType(cmds, "close")).toEqual([]);
    // The response had started before the mark: no Connection: close went out, so the client may reuse the socket.
    [s, cmds] = step(s, { type: "response-end", id: 1, closing: false, now: 3_000 });
    expect(about(cmds, 1)).toEqual([]);
    [s, cmds] = step(s, { type: "tick", now: 3_999 });
    expect(about(cmds, 1)).toEqual([]);
    [s, cmds] = step(s, { type: "tick", now: 4_000 });
    expect(cmds).toContainEqual({ type: "close", id: 1, why: "after-response" });
    expect(reportOf(cmds).connections).toMatchObject({ closedAfterResponse: 1, closedIdle: 0 });
  });

  it("gives a connection the keep-alive grace after its SSE stream ends, too", () => {
    // The SSE response started long ago without Connection: close, so the browser may reuse the socket at once.
    const s0 = initial(nodeOptions({ keepAliveGraceMs: 1_000 }));
    let [s, cmds] = feed(s0, [
      { type: "open", id: 1, kind: "http1", now: 0 },
      { type: "request", id: 1, now: 0 },
      { type: "stream-open", id: 2, kind: "sse", conn: 1, now: 0 },
      { ...SIGTERM, now: 0 },
    ]);
    expect(ofType(cmds, "end-sse").map((c) => c.id)).toEqual([2]);
    [s, cmds] = feed(s, [
      { type: "closed", id: 2, now: 10 },
      { type: "response-end", id: 1, closing: false, now: 10 },
    ]);
    expect(ofType(cmds, "close")).toEqual([]);
    [s, cmds] = step(s, { type: "tick", now: 1_010 });
    expect(ofType(cmds, "close").map((c) => c.id)).toEqual([1]);
  });

  it("leaves an upgraded connection alone until the deadline, then destroys it", () => {
    const s0 = initial(nodeOptions({ timeoutMs: 10_000 }));
    let [s, cmds] = feed(s0, [
      { type: "open", id: 1, kind: "http1", now: 0 },
      { type: "request", id: 1, now: 0 },
      { type: "upgrade", id: 1, now: 1 },
      { ...SIGTERM, now: 1_000 },
    ]);
    expect(counts(s).upgraded).toBe(1);
    // It no longer speaks HTTP: no Connection: close to add, nothing idle to close.
    expect(about(cmds, 1)).toEqual([]);
    [s, cmds] = step(s, { type: "tick", now: 10_999 });
    expect(about(cmds, 1)).toEqual([]);
    [s, cmds] = step(s, { type: "tick", now: 11_000 });
    expect(phases(cmds)[0]).toBe("force");
    expect(cmds).toContainEqual({ type: "destroy", id: 1, why: "deadline" });
  });

  it("sends GOAWAY to an HTTP/2 session and waits for its streams", () => {
    const s0 = initial(nodeOptions());
    let [s, cmds] = feed(s0, [
      { type: "open", id: 1, kind: "http2", now: 0 },
      { type: "request", id: 1, now: 0 },
      { type: "request", id: 1, now: 0 },
      { ...SIGTERM, now: 100 },
    ]);
    expect(cmds).toContainEqual({ type: "goaway", id: 1 });
    expect(ofType(cmds, "close")).toEqual([]);
    expect(ofType(cmds, "destroy")).toEqual([]);
    [s, cmds] = feed(s, [
      { type: "response-end", id: 1, closing: false, now: 200 },
      { type: "response-end", id: 1, closing: false, now: 300 },
    ]);
    expect(ofType(cmds, "stopped")).toEqual([]);
    [s, cmds] = step(s, { type: "closed", id: 1, now: 301 });
    expect(reportOf(cmds).clean).toBe(true);
  });

  it("never sends GOAWAY when the adapter cannot", () => {
    const s0 = initial(nodeOptions({ capabilities: { ...REQUEST_LEVEL, goaway: false, forceConnection: true, closeConnection: true } }));
    const [s1] = feed(s0, [
      { type: "open", id: 1, kind: "http2", now: 0 },
      { type: "request", id: 1, now: 0 },
    ]);
    const [s2, cmds] = step(s1, { ...SIGTERM, now: 100 });
    const run = runUntilStopped(s2, 100, cmds);
    expect(ofType([...cmds, ...run.commands], "goaway")).toEqual([]);
  });

  it("on Bun and Deno marks request entities closing and never closes one itself", () => {
    const s0 = initial({ capabilities: REQUEST_LEVEL, keepAliveGraceMs: 1_000 });
    let [s, cmds] = feed(s0, [
      // The adapter feeds open + request at request start, and response-end + closed at its end.
      { type: "open", id: 1, kind: "request", now: 0 },
      { type: "request", id: 1, now: 0 },
      { ...SIGTERM, now: 100 },
    ]);
    expect(cmds).toContainEqual({ type: "mark-closing", id: 1 });
    expect(ofType(cmds, "close")).toEqual([]);
    // Their stop() would close every idle keep-alive connection under a client that is writing its next request,
    // so the listener stays open for one keep-alive grace while every response says Connection: close.
    expect(cmds).not.toContainEqual({ type: "stop-accepting" });
    expect(nextDeadline(s)).toBe(1_100);
    // A new request during the drain (on a kept-alive connection the core cannot see) is marked too.
    [s, cmds] = feed(s, [
      { type: "open", id: 2, kind: "request", now: 200 },
      { type: "request", id: 2, now: 200 },
    ]);
    expect(cmds).toContainEqual({ type: "mark-closing", id: 2 });
    [s, cmds] = feed(s, [
      { type: "response-end", id: 1, closing: true, now: 300 },
      { type: "closed", id: 1, now: 300 },
      { type: "response-end", id: 2, closing: true, now: 400 },
      { type: "closed", id: 2, now: 400 },
    ]);
    expect(ofType(cmds, "close")).toEqual([]);
    expect(ofType(cmds, "stopped")).toEqual([]);
    [s, cmds] = step(s, { type: "tick", now: 1_100 });
    expect(cmds).toContainEqual({ type: "stop-accepting" });
    expect(reportOf(cmds)).toMatchObject({ clean: true, requestsDuringShutdown: 1 });
    expect(phase(s)).toBe("stopped");
  });

  it("reports progress while draining", () => {
    const s0 = initial(nodeOptions({ progressEveryMs: 1_000, timeoutMs: 25_000 }));
    let [s, cmds] = feed(s0, [
      { type: "open", id: 1, kind: "http1", now: 0 },
      { type: "request", id: 1, now: 0 },
      { ...SIGTERM, now: 0 },
    ]);
    [s, cmds] = step(s, { type: "tick", now: 1_000 });
    const progress = ofType(cmds, "progress");
    expect(progress).toHaveLength(1);
    expect(progress[0]?.msToDeadline).toBe(24_000);
    expect(progress[0]?.counts).toMatchObject({ requests: 1, sse: 0, websockets: 0 });
    expect(nextDeadline(s)).toBe(2_000);
  });
});

describe("HTTP/2 session counts", () => {
  it("a session whose streams all ended counts as idle, not active", () => {
    const s0 = initial(nodeOptions());
    const [s] = feed(s0, [
      { type: "open", id: 1, kind: "http2", now: 0 },
      { type: "request", id: 1, now: 1 },
      { type: "response-end", id: 1, closing: false, now: 2 },
    ]);
    expect(counts(s)).toMatchObject({ active: 0, idle: 1, requests: 0 });
  });
});

describe("HTTP/2 sessions that appear during the drain", () => {
  it("get their GOAWAY at once", () => {
    const s0 = initial(nodeOptions());
    const [s1] = feed(s0, [
      { type: "open", id: 1, kind: "http1", now: 0 },
      { ...SIGTERM, now: 10 },
    ]);
    const [, cmds] = step(s1, { type: "open", id: 2, kind: "http2", now: 20 });
    expect(cmds).toEqual([{ type: "goaway", id: 2 }]);
  });
});
