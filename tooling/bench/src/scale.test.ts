import { describe, expect, it } from "vitest";
import { IDLE_ONLY_CEILING, IDLE_ONLY_WIDTH, SCALE_DEFAULTS, idleOnlyVerdict } from "./scale.ts";
import { medianInterval } from "./median-interval.ts";

describe("idleOnlyVerdict", () => {
  it("meets the goal when every idle connection got drain's FIN and the whole interval is within 1.2 x the runtime's own stop", () => {
    expect(IDLE_ONLY_CEILING).toBe(1.2);
    expect(idleOnlyVerdict({ low: 0.7, high: 1.2 }, true)).toBe("ok");
    expect(idleOnlyVerdict({ low: 0.8, high: 0.9 }, true)).toBe("ok");
  });

  it("cannot tell when the ceiling lies inside the interval", () => {
    expect(idleOnlyVerdict({ low: 0.8, high: 1.21 }, true)).toBe("unclear");
    expect(idleOnlyVerdict({ low: 1.2, high: 1.5 }, true)).toBe("unclear");
  });

  it("misses it when the whole interval is above, or drain left a connection without a FIN", () => {
    expect(idleOnlyVerdict({ low: 1.21, high: 1.5 }, true)).toBe("MISSED");
    expect(idleOnlyVerdict({ low: 0.8, high: 0.9 }, false)).toBe("MISSED");
    expect(idleOnlyVerdict({ low: Number.NaN, high: Number.NaN }, true)).toBe("MISSED");
  });

  it("runs enough pairs by default for an interval narrower than their whole range", () => {
    const ratios = Array.from({ length: SCALE_DEFAULTS.idleOnlyRuns }, (_, i) => 0.8 + i * 0.05);
    const interval = medianInterval(ratios);
    expect(interval.coverage).toBeGreaterThanOrEqual(0.95);
    expect(interval.low).toBeGreaterThan(Math.min(...ratios));
    expect(interval.high).toBeLessThan(Math.max(...ratios));
  });

  it("goes on past the minimum up to a maximum, until the interval is narrower than a share of the room under the ceiling", () => {
    expect(SCALE_DEFAULTS.idleOnlyMaxRuns).toBeGreaterThan(SCALE_DEFAULTS.idleOnlyRuns);
    expect(IDLE_ONLY_WIDTH).toBeLessThan(IDLE_ONLY_CEILING - 1);
  });
});
