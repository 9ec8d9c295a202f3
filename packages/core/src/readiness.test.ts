import { describe, expect, it } from "vitest";
import { initial, isReady, phase, resolveOptions, step } from "./index.ts";
import { feed, nodeOptions } from "./testing/fixtures.test-helpers.ts";

describe("readiness at start-up", () => {
  it("is ready from the start by default, and not once a shutdown is requested", () => {
    const s0 = initial(nodeOptions({ notifyMs: 1_000 }));
    expect(isReady(s0)).toBe(true);
    const [s1] = step(s0, { type: "shutdown", mode: "graceful", reason: "SIGTERM", seed: 1, hooks: [], now: 5 });
    expect(phase(s1)).toBe("notify");
    expect(isReady(s1)).toBe(false);
  });

  it("with startReady false, waits for ready; ready is idempotent and emits nothing", () => {
    const s0 = initial(nodeOptions({ startReady: false }));
    expect(isReady(s0)).toBe(false);
    const [s1, first] = step(s0, { type: "ready", now: 1 });
    expect(first).toEqual([]);
    expect(isReady(s1)).toBe(true);
    const [s2, second] = step(s1, { type: "ready", now: 2 });
    expect(second).toEqual([]);
    expect(isReady(s2)).toBe(true);
  });

  it("a ready after the shutdown was requested does not make readiness pass again", () => {
    const s0 = initial(nodeOptions({ startReady: false, notifyMs: 1_000 }));
    const [s1] = feed(s0, [
      { type: "shutdown", mode: "graceful", reason: "SIGTERM", seed: 1, hooks: [], now: 0 },
      { type: "ready", now: 10 },
    ]);
    expect(phase(s1)).toBe("notify");
    expect(isReady(s1)).toBe(false);
  });

  it("a shutdown before ready drains as usual: an active connection is told to close, then cleanup and stopped", () => {
    const s0 = initial(nodeOptions({ startReady: false }));
    const [s1] = feed(s0, [
      { type: "open", id: 1, kind: "http1", now: 0 },
      { type: "request", id: 1, now: 0 },
    ]);
    const [s2, commands] = step(s1, { type: "shutdown", mode: "graceful", reason: "SIGTERM", seed: 1, hooks: [], now: 1 });
    expect(commands).toContainEqual({ type: "mark-closing", id: 1 });
    const [s3, after] = feed(s2, [
      { type: "response-end", id: 1, closing: true, now: 2 },
      { type: "closed", id: 1, now: 3 },
    ]);
    expect(phase(s3)).toBe("stopped");
    const stopped = after.find((command) => command.type === "stopped");
    expect(stopped?.type === "stopped" && stopped.report.clean).toBe(true);
  });

  it("rejects a startReady that is not a boolean with ERR_DRAIN_INVALID_OPTION", () => {
    expect(() => resolveOptions(nodeOptions({ startReady: "no" as unknown as boolean }))).toThrow(
      expect.objectContaining({ code: "ERR_DRAIN_INVALID_OPTION", message: expect.stringMatching(/startReady must be true or false/) }),
    );
  });
});
