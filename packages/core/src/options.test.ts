import { describe, expect, it } from "vitest";
import { DEFAULTS, initial, phase } from "./index.ts";
import type { Options } from "./types.ts";
import { NODE, errorCode, nodeOptions } from "./testing/fixtures.test-helpers.ts";

/** Options as a caller might mistype them: the types say no, the runtime check must too. */
function loose(value: Record<string, unknown>): Options {
  return value as unknown as Options;
}

describe("options", () => {
  it("fills in defaults that fit a Kubernetes 30 s grace period", () => {
    expect(DEFAULTS).toEqual({
      notifyMs: 0,
      timeoutMs: 25_000,
      cleanupMs: 5_000,
      wsCloseTimeoutMs: 5_000,
      keepAliveGraceMs: 1_000,
      lameduckWindowMs: 10_000,
      sseRetryMs: [1_000, 5_000],
      progressEveryMs: 1_000,
      startReady: true,
    });
    const s0 = initial(nodeOptions());
    expect(phase(s0)).toBe("serving");
  });

  it("rejects an unknown key with ERR_DRAIN_UNKNOWN_OPTION", () => {
    expect(errorCode(() => initial(loose({ capabilities: NODE, timeout: 1000 })))).toBe("ERR_DRAIN_UNKNOWN_OPTION");
  });

  it.each([
    ["negative", -1],
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["a string", "5000"],
  ])("rejects a %s duration with ERR_DRAIN_INVALID_DURATION", (_label, value) => {
    for (const key of ["notifyMs", "timeoutMs", "cleanupMs", "wsCloseTimeoutMs", "keepAliveGraceMs", "lameduckWindowMs", "progressEveryMs"]) {
      expect(errorCode(() => initial(loose({ capabilities: NODE, [key]: value }))), key).toBe("ERR_DRAIN_INVALID_DURATION");
    }
  });

  it("rejects a notify phase that does not end before the deadline", () => {
    expect(errorCode(() => initial(nodeOptions({ notifyMs: 5_000, timeoutMs: 5_000 })))).toBe("ERR_DRAIN_NOTIFY_NOT_BEFORE_DEADLINE");
    expect(errorCode(() => initial(nodeOptions({ notifyMs: 6_000, timeoutMs: 5_000 })))).toBe("ERR_DRAIN_NOTIFY_NOT_BEFORE_DEADLINE");
    expect(() => initial(nodeOptions({ notifyMs: 4_999, timeoutMs: 5_000 }))).not.toThrow();
  });

  it.each([
    ["min above max", [5_000, 1_000]],
    ["a negative bound", [-1, 1_000]],
    ["a fraction", [1_000.5, 2_000]],
    ["one number", [1_000]],
    ["not an array", 1_000],
  ])("rejects sseRetryMs with %s with ERR_DRAIN_INVALID_RANGE", (_label, value) => {
    expect(errorCode(() => initial(loose({ capabilities: NODE, sseRetryMs: value })))).toBe("ERR_DRAIN_INVALID_RANGE");
  });

  it("accepts a single-value retry range", () => {
    expect(() => initial(nodeOptions({ sseRetryMs: [2_000, 2_000] }))).not.toThrow();
  });

  it("requires every capability, as a boolean, with ERR_DRAIN_INVALID_CAPABILITIES", () => {
    expect(errorCode(() => initial(loose({})))).toBe("ERR_DRAIN_INVALID_CAPABILITIES");
    const { goaway: _goaway, ...withoutGoaway } = NODE;
    expect(errorCode(() => initial(loose({ capabilities: withoutGoaway })))).toBe("ERR_DRAIN_INVALID_CAPABILITIES");
    expect(errorCode(() => initial(loose({ capabilities: { ...NODE, goaway: "yes" } })))).toBe("ERR_DRAIN_INVALID_CAPABILITIES");
  });

  it("says what to do in the message", () => {
    try {
      initial(loose({ capabilities: NODE, timeoutMs: -1 }));
      expect.unreachable("initial should throw");
    } catch (error) {
      expect((error as Error).message).toMatch(/timeoutMs/);
    }
  });
});
