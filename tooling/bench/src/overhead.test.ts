import { describe, expect, it } from "vitest";
import { overheadVerdict } from "./overhead.ts";

describe("overheadVerdict", () => {
  it("decides a goal when the A/A control stayed inside the goal's margin", () => {
    expect(overheadVerdict(0.985, 0.98, 1.01)).toBe("ok");
    expect(overheadVerdict(0.95, 0.98, 0.995)).toBe("MISSED");
  });

  it("refuses to decide when the control alone moved further than the margin", () => {
    expect(overheadVerdict(0.95, 0.98, 1.03)).toBe("noise");
    expect(overheadVerdict(1.0, 0.97, 0.96)).toBe("noise");
  });
});
