import { describe, expect, it } from "vitest";
import { initial, nextDeadline, phase, step } from "./index.ts";
import type { Input } from "./types.ts";
import { REQUEST_LEVEL, SIGTERM, feed, nodeOptions, ofType, phases, reportOf } from "./testing/fixtures.test-helpers.ts";
import { runUntilStopped } from "./testing/driver.test-helpers.ts";

/** One of everything that can hang a drain: a request in flight, an SSE stream, a WebSocket. */
const BUSY: readonly Input[] = [
  { type: "open", id: 1, kind: "http1", now: 0 },
  { type: "request", id: 1, now: 0 },
  { type: "stream-open", id: 2, kind: "sse", now: 0 },
  { type: "stream-open", id: 3, kind: "ws", now: 0 },
];

describe("force", () => {
  it("destroys whatever remains at the deadline (timeoutMs after the request, no hooks)", () => {
    const s0 = initial(nodeOptions({ timeoutMs: 25_000, wsCloseTimeoutMs: 60_000 }));
    let [s, cmds] = feed(s0, [{ type: "open", id: 1, kind: "http1", now: 0 }, { type: "request", id: 1, now: 0 }, { ...SIGTERM, now: 0 }]);
    [s, cmds] = step(s, { type: "tick", now: 24_999 });
    expect(ofType(cmds, "destroy")).toEqual([]);
    expect(phase(s)).toBe("drain");
    [s, cmds] = step(s, { type: "tick", now: 25_000 });
    expect(cmds).toContainEqual({ type: "phase", phase: "force", at: 25_000 });
    expect(cmds).toContainEqual({ type: "destroy", id: 1, why: "deadline" });
    const run = runUntilStopped(s, 25_000, cmds);
    expect(run.report).toMatchObject({ clean: false, connections: { forced: 1 } });
  });

  it("keeps the hooks' share of the budget back: the force comes that much earlier", () => {
    const hooks = [{ name: "flush", order: 1, timeoutMs: 2_000 }];
    const s0 = initial(nodeOptions({ timeoutMs: 25_000, cleanupMs: 5_000 }));
    let [s, cmds] = feed(s0, [{ type: "open", id: 1, kind: "http1", now: 0 }, { type: "request", id: 1, now: 0 }, { ...SIGTERM, hooks, now: 0 }]);
    [s, cmds] = step(s, { type: "tick", now: 22_999 });
    expect(ofType(cmds, "destroy")).toEqual([]);
    [s, cmds] = step(s, { type: "tick", now: 23_000 });
    expect(cmds).toContainEqual({ type: "destroy", id: 1, why: "deadline" });
  });

  it("keeps back at most cleanupMs, however long the hooks' timeouts", () => {
    const hooks = [{ name: "flush", order: 1, timeoutMs: 20_000 }];
    const s0 = initial(nodeOptions({ timeoutMs: 25_000, cleanupMs: 1_000 }));
    let [s, cmds] = feed(s0, [{ type: "open", id: 1, kind: "http1", now: 0 }, { type: "request", id: 1, now: 0 }, { ...SIGTERM, hooks, now: 0 }]);
    [s, cmds] = step(s, { type: "tick", now: 23_999 });
    expect(ofType(cmds, "destroy")).toEqual([]);
    [s, cmds] = step(s, { type: "tick", now: 24_000 });
    expect(cmds).toContainEqual({ type: "destroy", id: 1, why: "deadline" });
  });

  it("immediate mode skips the drain and destroys everything at once", () => {
    const s0 = initial(nodeOptions());
    const [s1] = feed(s0, BUSY);
    const [s2, cmds] = step(s1, { ...SIGTERM, mode: "immediate", now: 50 });
    expect(phases(cmds)[0]).toBe("force");
    expect(phases(cmds)).not.toContain("drain");
    expect(cmds).toContainEqual({ type: "stop-accepting" });
    expect(cmds).toContainEqual({ type: "destroy", id: 1, why: "immediate" });
    expect(cmds).toContainEqual({ type: "destroy", id: 2, why: "immediate" });
    expect(cmds).toContainEqual({ type: "destroy", id: 3, why: "immediate" });
    expect(ofType(cmds, "end-sse")).toEqual([]);
    expect(ofType(cmds, "close-ws")).toEqual([]);
    const run = runUntilStopped(s2, 50, cmds);
    expect(run.report).toMatchObject({
      mode: "immediate",
      clean: false,
      escalated: false,
      connections: { forced: 1 },
      sse: { forced: 1 },
      websockets: { forced: 1 },
    });
  });

  it("a second shutdown request escalates a graceful drain to immediate", () => {
    const s0 = initial(nodeOptions({ wsCloseTimeoutMs: 60_000 }));
    const [s1] = feed(s0, BUSY);
    const [s2, first] = step(s1, { ...SIGTERM, now: 0 });
    expect(first).toContainEqual({ type: "mark-closing", id: 1 });
    const [s3, second] = step(s2, { ...SIGTERM, reason: "SIGINT", now: 1_000 });
    expect(second).toContainEqual({ type: "destroy", id: 1, why: "immediate" });
    expect(second).toContainEqual({ type: "destroy", id: 3, why: "immediate" });
    // The SSE stream got its end frame already; if it is still open it is destroyed too.
    expect(second).toContainEqual({ type: "destroy", id: 2, why: "immediate" });
    expect(ofType([...first, ...second], "stop-accepting")).toHaveLength(1);
    const run = runUntilStopped(s3, 1_000, second);
    expect(run.report).toMatchObject({ escalated: true, clean: false, requestedAt: 0 });
  });

  it("escalates from the notify phase too, and still stops accepting exactly once", () => {
    const s0 = initial(nodeOptions({ notifyMs: 5_000 }));
    const [s1] = feed(s0, BUSY);
    const [s2, first] = step(s1, { ...SIGTERM, now: 0 });
    expect(ofType(first, "stop-accepting")).toEqual([]);
    const [s3, second] = step(s2, { ...SIGTERM, now: 100 });
    expect(ofType(second, "stop-accepting")).toHaveLength(1);
    expect(second).toContainEqual({ type: "destroy", id: 1, why: "immediate" });
    const run = runUntilStopped(s3, 100, second);
    expect(ofType(run.commands, "stop-accepting")).toEqual([]);
    expect(run.report.escalated).toBe(true);
  });

  it("on runtimes that cannot destroy one connection, forces the rest in one command, but SSE and WS one by one", () => {
    const s0 = initial({ capabilities: REQUEST_LEVEL, timeoutMs: 2_000, wsCloseTimeoutMs: 60_000 });
    const [s, cmds] = feed(s0, [
      { type: "open", id: 1, kind: "request", now: 0 },
      { type: "request", id: 1, now: 0 },
      { type: "open", id: 2, kind: "request", now: 0 },
      { type: "request", id: 2, now: 0 },
      { type: "stream-open", id: 3, kind: "sse", now: 0 },
      { type: "stream-open", id: 4, kind: "ws", now: 0 },
      { ...SIGTERM, now: 0 },
    ]);
    const run = runUntilStopped(s, 0, cmds, { autoClose: false });
    const all = [...cmds, ...run.commands];
    expect(all).toContainEqual({ type: "force-remaining", count: 2 });
    expect(ofType(all, "force-remaining")).toHaveLength(1);
    expect(ofType(all, "destroy").map((c) => c.id).sort()).toEqual([3, 4]);
    expect(run.report).toMatchObject({ clean: false, connections: { forced: 2 }, sse: { forced: 1 }, websockets: { forced: 1 } });
    expect(nextDeadline(run.state)).toBeUndefined();
  });

  it("ignores a shutdown request after it stopped", () => {
    const s0 = initial(nodeOptions());
    const [s1, first] = step(s0, { ...SIGTERM, now: 0 });
    expect(ofType(first, "stopped")).toHaveLength(1);
    const [s2, cmds] = step(s1, { ...SIGTERM, now: 10 });
    expect(cmds).toEqual([]);
    expect(phase(s2)).toBe("stopped");
  });
});
