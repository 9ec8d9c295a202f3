import { describe, expect, it } from "vitest";
import { costOfDifferences, costVerdict, pairedCost } from "./paired-cost.ts";

describe("pairedCost", () => {
  it("takes the median of the per-round differences and of the differences relative to bare", () => {
    const bare = [10, 20, 10, 20, 10, 20, 10];
    const variant = [11, 20.5, 10.2, 21, 10.4, 20.2, 10.3];
    const cost = pairedCost(bare, variant);
    // Differences 1, 0.5, 0.2, 1, 0.4, 0.2, 0.3: median 0.4. Relative: 10 %, 2.5 %, 2 %, 5 %, 4 %, 1 %, 3 %: median 3 %.
    expect(cost.added).toBeCloseTo(0.4, 10);
    expect(cost.relative).toBeCloseTo(0.03, 10);
  });

  it("pairs round by round: a round-wide swing that hits both sides cancels", () => {
    // Every round the machine is faster or slower, by far more than the 1 µs the variant adds.
    const bare = [10, 30, 12, 25, 11, 40, 9, 18, 22];
    const variant = bare.map((b) => b + 1);
    const cost = pairedCost(bare, variant);
    expect(cost.added).toBeCloseTo(1, 10);
    expect(cost.addedInterval.low).toBeCloseTo(1, 10);
    expect(cost.addedInterval.high).toBeCloseTo(1, 10);
  });

  it("gives the distribution-free interval of each median (the 2nd and 8th of 9 differences)", () => {
    const bare = Array.from({ length: 9 }, () => 10);
    const variant = [10.9, 10.1, 10.8, 10.2, 10.7, 10.3, 10.6, 10.4, 10.5];
    const cost = pairedCost(bare, variant);
    expect(cost.addedInterval.low).toBeCloseTo(0.2, 10);
    expect(cost.addedInterval.high).toBeCloseTo(0.8, 10);
    expect(cost.relativeInterval.low).toBeCloseTo(0.02, 10);
    expect(cost.relativeInterval.high).toBeCloseTo(0.08, 10);
    expect(cost.addedInterval.coverage).toBeCloseTo(1 - 2 * (10 / 512), 10);
  });

  it("keeps the sign: a variant cheaper than bare has a negative cost", () => {
    const cost = pairedCost([10, 10, 10, 10, 10, 10], [9, 9.5, 9.8, 9.9, 9.7, 9.6]);
    expect(cost.added).toBeLessThan(0);
    expect(cost.relativeInterval.high).toBeLessThan(0);
  });

  it("refuses unpaired inputs", () => {
    expect(() => pairedCost([1, 2, 3], [1, 2])).toThrow(/one variant value per bare value/);
  });

  it("covers the true median difference at least as often as it claims (simulated, skewed per-round noise)", () => {
    let seed = 7;
    const random = (): number => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const exponential = (): number => -Math.log(1 - random());
    let covered = 0;
    const trials = 2000;
    for (let t = 0; t < trials; t++) {
      // A shared swing per round (cancels in the pair) plus each side's own noise; the variant adds 0.5 µs.
      const swing = Array.from({ length: 20 }, () => 10 * random());
      const bare = swing.map((s) => 10 + s + exponential());
      const variant = swing.map((s) => 10.5 + s + exponential());
      // The difference of two identically distributed noises is symmetric, so its median is the 0.5 added.
      const { low, high } = pairedCost(bare, variant).addedInterval;
      if (low <= 0.5 && 0.5 <= high) covered += 1;
    }
    expect(covered / trials).toBeGreaterThan(0.94);
  });
});

describe("costVerdict", () => {
  it("calls a ceiling met only when the whole interval is at or under it", () => {
    expect(costVerdict({ low: -0.01, high: 0.02 }, 0.02)).toBe("ok");
    expect(costVerdict({ low: -0.01, high: 0.0201 }, 0.02)).toBe("unclear");
  });

  it("calls it missed only when the whole interval is over it", () => {
    expect(costVerdict({ low: 0.021, high: 0.2 }, 0.02)).toBe("MISSED");
    expect(costVerdict({ low: 0.02, high: 0.2 }, 0.02)).toBe("unclear");
  });

  it("says unclear when the ceiling lies inside the interval, whatever the median", () => {
    expect(costVerdict({ low: -0.1, high: 0.1 }, 0.02)).toBe("unclear");
  });
});

describe("pairedCost over one round's slices", () => {
  it("takes a round's difference as the median over its slice pairs: one disturbed slice does not move it", () => {
    // The last bare slice was preempted (14 instead of 10): the sums would say the variant saves 0.8 µs.
    const round = pairedCost([10, 10, 10, 14], [10.2, 10.2, 10.2, 10.2]);
    expect(round.added).toBeCloseTo(0.2, 10);
    expect(round.relative).toBeCloseTo(0.02, 10);
  });
});

describe("costOfDifferences", () => {
  it("reports the rounds' differences as pairedCost does its own", () => {
    const bare = [10, 20, 10, 20, 10, 20, 10];
    const variant = [11, 20.5, 10.2, 21, 10.4, 20.2, 10.3];
    const added = variant.map((v, i) => v - (bare[i] as number));
    expect(costOfDifferences(added, added.map((d, i) => d / (bare[i] as number)))).toEqual(pairedCost(bare, variant));
  });
});
