import { describe, expect, it } from "vitest";
import { counts, initial, nextDeadline, phase, step } from "./index.ts";
import { feed, nodeOptions } from "./testing/fixtures.test-helpers.ts";

describe("serving", () => {
  it("tracks connections by state and emits nothing", () => {
    const s0 = initial(nodeOptions());
    const [s1, cmds] = feed(s0, [
      { type: "open", id: 1, kind: "http1", now: 0 }, // preconnected, never used
      { type: "open", id: 2, kind: "http1", now: 0 },
      { type: "request", id: 2, now: 1 }, // active
      { type: "open", id: 3, kind: "http1", now: 2 },
      { type: "request", id: 3, now: 2 },
      { type: "response-end", id: 3, closing: false, now: 3 }, // idle
      { type: "open", id: 4, kind: "http2", now: 4 },
      { type: "request", id: 4, now: 4 },
      { type: "request", id: 4, now: 4 }, // one session, two streams
      { type: "open", id: 5, kind: "http1", now: 5 },
      { type: "request", id: 5, now: 5 },
      { type: "upgrade", id: 5, now: 6 }, // left HTTP
      { type: "stream-open", id: 6, kind: "ws", conn: 5, now: 6 },
      { type: "stream-open", id: 7, kind: "sse", conn: 2, now: 7 },
    ]);
    expect(cmds).toEqual([]);
    expect(phase(s1)).toBe("serving");
    expect(counts(s1)).toEqual({
      neverUsed: 1,
      idle: 1,
      active: 2,
      requests: 3,
      upgraded: 1,
      closing: 0,
      sse: 1,
      websockets: 1,
    });
    // No timer is needed while serving: nothing is due until someone asks to stop.
    expect(nextDeadline(s1)).toBeUndefined();
  });

  it("forgets what closed", () => {
    const s0 = initial(nodeOptions());
    const [s1] = feed(s0, [
      { type: "open", id: 1, kind: "http1", now: 0 },
      { type: "request", id: 1, now: 0 },
      { type: "stream-open", id: 2, kind: "sse", conn: 1, now: 0 },
      { type: "closed", id: 2, now: 5 },
      { type: "response-end", id: 1, closing: false, now: 5 },
      { type: "closed", id: 1, now: 6 },
    ]);
    expect(counts(s1)).toEqual({ neverUsed: 0, idle: 0, active: 0, requests: 0, upgraded: 0, closing: 0, sse: 0, websockets: 0 });
  });

  it("counts a request entity (Bun, Deno) as active from request to response end", () => {
    const s0 = initial(nodeOptions());
    const [s1, cmds] = step(s0, { type: "open", id: 1, kind: "request", now: 0 });
    expect(cmds).toEqual([]);
    const [s2] = step(s1, { type: "request", id: 1, now: 0 });
    expect(counts(s2)).toMatchObject({ active: 1, requests: 1 });
    const [s3] = feed(s2, [
      { type: "response-end", id: 1, closing: false, now: 10 },
      { type: "closed", id: 1, now: 10 },
    ]);
    expect(counts(s3)).toMatchObject({ active: 0, requests: 0, idle: 0 });
  });
});
