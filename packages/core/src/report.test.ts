import { describe, expect, it } from "vitest";
import { initial, step } from "./index.ts";
import { REQUEST_LEVEL, SIGTERM, feed, nodeOptions, reportOf } from "./testing/fixtures.test-helpers.ts";
import { runUntilStopped } from "./testing/driver.test-helpers.ts";

describe("the report", () => {
  it("tells what happened from the shutdown request to the stop", () => {
    const s0 = initial(nodeOptions({ notifyMs: 2_000, keepAliveGraceMs: 500, sseRetryMs: [3_000, 3_000] }));
    let [s, cmds] = feed(s0, [
      { type: "open", id: 1, kind: "http1", now: 0 }, // never used
      { type: "open", id: 2, kind: "http1", now: 0 },
      { type: "request", id: 2, now: 0 },
      { type: "response-end", id: 2, closing: false, now: 0 }, // idle
      { type: "open", id: 3, kind: "http1", now: 0 },
      { type: "request", id: 3, now: 0 }, // in flight
      { type: "stream-open", id: 4, kind: "sse", now: 0 },
      { type: "stream-open", id: 5, kind: "ws", now: 0 },
      { ...SIGTERM, hooks: [{ name: "flush", order: 0, timeoutMs: 1_000 }], now: 1_000 },
    ]);
    // Notify: connection 3 answers with Connection: close, so the runtime closes it.
    [s, cmds] = feed(s, [
      { type: "response-end", id: 3, closing: true, now: 1_500 },
      { type: "closed", id: 3, now: 1_500 },
      { type: "request", id: 2, now: 2_000 }, // a request during notify
      { type: "response-end", id: 2, closing: true, now: 2_100 },
      { type: "closed", id: 2, now: 2_100 },
    ]);
    // Drain from 3 000: the preconnect is closed, the stream ended, the socket closed; each goes at once.
    [s, cmds] = step(s, { type: "tick", now: 3_000 });
    const run = runUntilStopped(s, 3_000, cmds);
    expect(run.report).toEqual({
      mode: "graceful",
      reason: "SIGTERM",
      clean: true,
      escalated: false,
      requestedAt: 1_000,
      stoppedAt: 3_000,
      durationMs: 2_000,
      phases: [
        { phase: "notify", startedAt: 1_000, durationMs: 2_000 },
        { phase: "drain", startedAt: 3_000, durationMs: 0 },
        { phase: "cleanup", startedAt: 3_000, durationMs: 0 },
        { phase: "stopped", startedAt: 3_000, durationMs: 0 },
      ],
      connections: { closedIdle: 0, closedNeverUsed: 1, closedAfterResponse: 2, forced: 0 },
      sse: { ended: 1, forced: 0 },
      websockets: { closed: 1, cutAfterCloseTimeout: 0, forced: 0 },
      requestsDuringShutdown: 1,
      hooks: [{ name: "flush", result: "ok", durationMs: 0 }],
      forcedItems: [],
      forcedItemsLeftOut: 0,
      // The request at 2 000 was the last arrival of a fixed notify.
      notify: { kind: "fixed", endedBy: "fixed", startedAt: 1_000, durationMs: 2_000, arrivals: 1, probes: 0, lastArrivalAt: 2_000 },
    });
  });

  it("is not clean when something had to be forced", () => {
    const s0 = initial(nodeOptions({ timeoutMs: 1_000 }));
    const [s1, cmds] = feed(s0, [
      { type: "open", id: 1, kind: "http1", now: 0 },
      { type: "request", id: 1, now: 0 },
      { ...SIGTERM, now: 0 },
    ]);
    const run = runUntilStopped(s1, 0, cmds);
    expect(run.report).toMatchObject({ clean: false, stoppedAt: 1_000, durationMs: 1_000, connections: { forced: 1 } });
    expect(run.report.phases.map((p) => p.phase)).toEqual(["drain", "force", "cleanup", "stopped"]);
  });

  it("is clean after a second request that found nothing to force", () => {
    const s0 = initial(nodeOptions({ notifyMs: 5_000 }));
    const [s1] = step(s0, { ...SIGTERM, now: 0 });
    const [, cmds] = step(s1, { ...SIGTERM, now: 100 });
    expect(reportOf(cmds)).toMatchObject({ escalated: true, clean: true, connections: { forced: 0 } });
  });

  it("counts only the requests that started during notify and drain", () => {
    // Reserve 500 ms for the hook: the force comes at 500, then the hook runs (and hangs) until 1 000.
    const s0 = initial({ capabilities: REQUEST_LEVEL, timeoutMs: 1_000, cleanupMs: 500 });
    let [s, cmds] = feed(s0, [
      { type: "open", id: 1, kind: "request", now: 0 },
      { type: "request", id: 1, now: 0 },
      { ...SIGTERM, hooks: [{ name: "flush", order: 0, timeoutMs: 500 }], now: 0 },
      { type: "tick", now: 500 },
    ]);
    expect(cmds).toContainEqual({ type: "force-remaining", count: 1 });
    // A request that turns up during cleanup (the runtime's stop already forced everything) is not served.
    [s, cmds] = feed(s, [
      { type: "open", id: 2, kind: "request", now: 600 },
      { type: "request", id: 2, now: 600 },
      { type: "hook-done", name: "flush", now: 700 },
    ]);
    expect(reportOf(cmds).requestsDuringShutdown).toBe(0);
  });
});
