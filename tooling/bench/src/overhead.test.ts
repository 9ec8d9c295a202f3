import { describe, expect, it } from "vitest";
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
