import { describe, expect, it } from "vitest";
import { initial, nextDeadline, step } from "./index.ts";
import type { Command, Input } from "./types.ts";
import { SIGTERM, feed, nodeOptions, ofType, reportOf } from "./testing/fixtures.test-helpers.ts";
import { runUntilStopped } from "./testing/driver.test-helpers.ts";

/** The default `sseRetryMs` range. */
const DEFAULT_MIN = 1_000;
const DEFAULT_MAX = 5_000;

/** `n` SSE streams with ids from `first`. */
function sseStreams(n: number, first = 100): Input[] {
  return Array.from({ length: n }, (_, i) => ({ type: "stream-open", id: first + i, kind: "sse", now: 0 }) as const);
}

/** The retry hints a shutdown with `seed` hands to `n` streams. */
function retries(seed: number, n: number): number[] {
  const [s] = feed(initial(nodeOptions()), sseStreams(n));
  const [, cmds] = step(s, { ...SIGTERM, seed, now: 0 });
  return ofType(cmds, "end-sse").map((c) => c.retryMs);
}

describe("server-sent events", () => {
  it("ends each stream with a last frame that carries a retry hint, so EventSource reconnects elsewhere", () => {
    const s0 = initial(nodeOptions({ sseRetryMs: [2_000, 2_000] }));
    const [s1] = step(s0, { type: "stream-open", id: 7, kind: "sse", now: 0 });
    const [s2, cmds] = step(s1, { ...SIGTERM, now: 100 });
    expect(cmds).toContainEqual({ type: "end-sse", id: 7, retryMs: 2_000 });
    expect(ofType(cmds, "destroy")).toEqual([]);
    const [, after] = step(s2, { type: "closed", id: 7, now: 150 });
    expect(reportOf(after)).toMatchObject({ clean: true, sse: { ended: 1, forced: 0 } });
  });

  it("jitters the retry hint inside sseRetryMs, reproducibly from the seed", () => {
    const a = retries(1, 50);
    expect(a).toHaveLength(50);
    for (const r of a) {
      expect(Number.isInteger(r)).toBe(true);
      expect(r).toBeGreaterThanOrEqual(DEFAULT_MIN);
      expect(r).toBeLessThanOrEqual(DEFAULT_MAX);
    }
    expect(new Set(a).size).toBeGreaterThan(10);
    expect(retries(1, 50)).toEqual(a);
    expect(retries(2, 50)).not.toEqual(a);
  });

  it("destroys a stream that is still open at the deadline", () => {
    const s0 = initial(nodeOptions({ timeoutMs: 3_000 }));
    const [s1] = step(s0, { type: "stream-open", id: 7, kind: "sse", now: 0 });
    const [s2, cmds] = step(s1, { ...SIGTERM, now: 0 });
    const run = runUntilStopped(s2, 0, cmds, { autoClose: false });
    expect(run.commands).toContainEqual({ type: "destroy", id: 7, why: "deadline" });
    expect(run.report).toMatchObject({ clean: false, sse: { ended: 1, forced: 1 } });
  });
});

describe("WebSockets", () => {
  it("closes each socket with 1001 Going Away and stops once it is gone", () => {
    const s0 = initial(nodeOptions());
    const [s1] = step(s0, { type: "stream-open", id: 9, kind: "ws", now: 0 });
    const [s2, cmds] = step(s1, { ...SIGTERM, now: 100 });
    expect(cmds).toContainEqual({ type: "close-ws", id: 9, code: 1001 });
    const [, after] = step(s2, { type: "closed", id: 9, now: 130 });
    expect(reportOf(after)).toMatchObject({ clean: true, websockets: { closed: 1, forced: 0 } });
  });

  it("terminates a socket that does not finish the close handshake within wsCloseTimeoutMs", () => {
    const s0 = initial(nodeOptions({ wsCloseTimeoutMs: 500 }));
    let [s, cmds] = feed(s0, [
      { type: "stream-open", id: 9, kind: "ws", now: 0 },
      { ...SIGTERM, now: 1_000 },
    ]);
    expect(nextDeadline(s)).toBeLessThanOrEqual(1_500);
    [s, cmds] = step(s, { type: "tick", now: 1_499 });
    expect(ofType(cmds, "destroy")).toEqual([]);
    [s, cmds] = step(s, { type: "tick", now: 1_500 });
    expect(cmds).toContainEqual({ type: "destroy", id: 9, why: "ws-close-timeout" });
    // Terminated, so not waited for any longer: the drain ends without waiting for the deadline.
    const run = runUntilStopped(s, 1_500, cmds);
    expect(run.now).toBe(1_500);
    // Cutting a client that left the close unanswered is the protocol's normal path (RFC 6455 §7.1.1): clean.
    expect(run.report).toMatchObject({ clean: true, websockets: { closed: 1, cutAfterCloseTimeout: 1, forced: 0 } });
  });

  it("destroys a WebSocket still in its close handshake at the force deadline for the deadline", () => {
    // The close timeout (5 s) would end after the deadline (3 s): the deadline is what cuts it off.
    const s0 = initial(nodeOptions({ timeoutMs: 3_000, wsCloseTimeoutMs: 5_000 }));
    let [s, cmds] = feed(s0, [
      { type: "stream-open", id: 9, kind: "ws", now: 0 },
      { ...SIGTERM, now: 0 },
    ]);
    expect(cmds).toContainEqual({ type: "close-ws", id: 9, code: 1001 });
    [s, cmds] = step(s, { type: "tick", now: 3_000 });
    expect(cmds).toContainEqual({ type: "destroy", id: 9, why: "deadline" });
    const run = runUntilStopped(s, 3_000, cmds);
    expect(run.report).toMatchObject({ clean: false, websockets: { closed: 1, cutAfterCloseTimeout: 0, forced: 1 } });
  });

  it("closes the WebSocket, not the upgraded socket under it", () => {
    const s0 = initial(nodeOptions());
    const [s1, cmds] = feed(s0, [
      { type: "open", id: 1, kind: "http1", now: 0 },
      { type: "request", id: 1, now: 0 },
      { type: "upgrade", id: 1, now: 0 },
      { type: "stream-open", id: 2, kind: "ws", conn: 1, now: 0 },
      { ...SIGTERM, now: 100 },
    ]);
    expect(cmds).toContainEqual({ type: "close-ws", id: 2, code: 1001 });
    expect(cmds.filter((c) => "id" in c && c.id === 1)).toEqual([]);
    const [, after] = feed(s1, [
      { type: "closed", id: 2, now: 120 },
      { type: "closed", id: 1, now: 120 },
    ]);
    expect(reportOf(after).clean).toBe(true);
  });
});

describe("lame duck mode", () => {
  /** Shut down in lame duck mode and record when each SSE stream is ended. */
  function lameduck(options: { timeoutMs: number; lameduckWindowMs: number }, n: number): { times: number[]; idleClosedAt: number | undefined } {
    const s0 = initial(nodeOptions(options));
    const [s1] = feed(s0, [
      { type: "open", id: 1, kind: "http1", now: 0 },
      { type: "request", id: 1, now: 0 },
      { type: "response-end", id: 1, closing: false, now: 0 },
      ...sseStreams(n),
    ]);
    const start = 10_000;
    const times: number[] = [];
    let idleClosedAt: number | undefined;
    const record = (commands: readonly Command[], now: number): void => {
      for (const c of commands) {
        if (c.type === "end-sse") times.push(now);
        if (c.type === "close" && c.id === 1) idleClosedAt = now;
      }
    };
    const [s2, cmds] = step(s1, { ...SIGTERM, mode: "lameduck", now: start });
    record(cmds, start);
    // Streams answer an end at once, so only the spread decides when each one goes.
    runUntilStopped(s2, start, cmds, { observe: (input, commands) => record(commands, input.now) });
    return { times: times.map((t) => t - start), idleClosedAt: idleClosedAt === undefined ? undefined : idleClosedAt - start };
  }

  it("spreads SSE ends over lameduckWindowMs so clients do not all reconnect at once", () => {
    const { times, idleClosedAt } = lameduck({ timeoutMs: 25_000, lameduckWindowMs: 4_000 }, 20);
    expect(times).toHaveLength(20);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...times)).toBeLessThanOrEqual(4_000);
    expect(new Set(times).size).toBeGreaterThan(5);
    // Only long-lived streams are spread; idle connections still close at once.
    expect(idleClosedAt).toBe(0);
  });

  it("keeps the spread within half of the drain window", () => {
    const { times } = lameduck({ timeoutMs: 4_000, lameduckWindowMs: 10_000 }, 20);
    expect(times).toHaveLength(20);
    expect(Math.max(...times)).toBeLessThanOrEqual(2_000);
  });
});
