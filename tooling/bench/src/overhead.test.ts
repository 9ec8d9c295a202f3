import { describe, expect, it } from "vitest";
import { enoughRounds } from "./median-interval.ts";
import { overheadVerdict, sliceOrder } from "./overhead.ts";

describe("overheadVerdict", () => {
  it("calls a goal met or missed only when the whole interval is on one side of it", () => {
    expect(overheadVerdict({ low: 0.98, high: 1.04 }, 0.98)).toBe("ok");
    expect(overheadVerdict({ low: 0.9, high: 0.979 }, 0.98)).toBe("MISSED");
  });

  it("says unclear when the goal lies inside the interval, whatever the median", () => {
    expect(overheadVerdict({ low: 0.95, high: 1.01 }, 0.98)).toBe("unclear");
    expect(overheadVerdict({ low: 0.96, high: 0.98 }, 0.97)).toBe("unclear");
  });
});

describe("sliceOrder", () => {
  const variants = ["bare", "bare-again", "drain", "http-terminator", "stoppable"];

  it("puts every variant in every place equally often over as many slices as variants, in either direction", () => {
    for (const reversed of [false, true]) {
      const places = new Map(variants.map((v) => [v, new Set<number>()]));
      for (let slice = 0; slice < variants.length; slice++) sliceOrder(variants, slice, reversed).forEach((v, place) => places.get(v)?.add(place));
      for (const seen of places.values()) expect(seen.size).toBe(variants.length);
    }
  });

  it("never measures a variant twice in a row across two slices", () => {
    for (const reversed of [false, true]) {
      const sequence = Array.from({ length: 12 }, (_, slice) => sliceOrder(variants, slice, reversed)).flat();
      for (let i = 1; i < sequence.length; i++) expect(sequence[i]).not.toBe(sequence[i - 1]);
    }
  });
});

describe("enoughRounds", () => {
  const narrow = [0.03, 0.035, 0.04, 0.03, 0.032, 0.034, 0.036, 0.031];
  const wide = [0.0, 0.05, 0.01, 0.06, 0.02, 0.045, 0.03, 0.055];

  it("runs the minimum first, however narrow the interval already is", () => {
    expect(enoughRounds(narrow.slice(0, 5), 6, 10, 0.02)).toBe(false);
    expect(enoughRounds(narrow.slice(0, 6), 6, 10, 0.02)).toBe(true);
  });

  it("goes on while the interval is as wide as the ceiling or wider, up to the maximum", () => {
    expect(enoughRounds(wide, 6, 10, 0.02)).toBe(false);
    expect(enoughRounds([...wide, 0.03, 0.03], 6, 10, 0.02)).toBe(true);
  });

  it("stops on the width alone, wherever the interval lies", () => {
    const above = narrow.map((r) => r + 0.05);
    expect(enoughRounds(above, 6, 10, 0.02)).toBe(true);
    expect(enoughRounds(above.map((r) => -r), 6, 10, 0.02)).toBe(true);
  });

  it("runs exactly the minimum when it equals the maximum (--rounds)", () => {
    expect(enoughRounds(wide.slice(0, 3), 3, 3, 0.02)).toBe(true);
    expect(enoughRounds(wide.slice(0, 2), 3, 3, 0.02)).toBe(false);
  });
});
