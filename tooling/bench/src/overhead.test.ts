import { describe, expect, it } from "vitest";
import { overheadVerdict } from "./overhead.ts";

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
