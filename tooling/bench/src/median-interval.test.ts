import { describe, expect, it } from "vitest";
import { medianInterval } from "./median-interval.ts";

describe("medianInterval", () => {
  it("takes the 2nd and 8th of 9 values (coverage 96.1 %)", () => {
    const interval = medianInterval([9, 1, 8, 2, 7, 3, 6, 4, 5]);
    expect(interval).toMatchObject({ low: 2, high: 8 });
    expect(interval.coverage).toBeCloseTo(1 - 2 * (10 / 512), 10);
  });

  it("narrows as the sample grows: the 40th and 61st of 100", () => {
    const interval = medianInterval(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(interval).toMatchObject({ low: 40, high: 61 });
    expect(interval.coverage).toBeGreaterThanOrEqual(0.95);
  });

  it("returns the whole range when the sample is too small for the confidence asked", () => {
    const interval = medianInterval([3, 1, 2, 5, 4]);
    expect(interval).toMatchObject({ low: 1, high: 5 });
    expect(interval.coverage).toBeCloseTo(1 - 2 / 32, 10);
  });

  it("covers the true median at least as often as it claims (simulated)", () => {
    let seed = 1;
    const random = (): number => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    let covered = 0;
    const trials = 2000;
    for (let t = 0; t < trials; t++) {
      // Skewed noise around a true median of 0 (an exponential shifted by its median, ln 2).
      const sample = Array.from({ length: 15 }, () => -Math.log(1 - random()) - Math.LN2);
      const { low, high } = medianInterval(sample);
      if (low <= 0 && 0 <= high) covered += 1;
    }
    expect(covered / trials).toBeGreaterThan(0.94);
  });
});
