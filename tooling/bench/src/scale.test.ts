import { describe, expect, it } from "vitest";
import { IDLE_ONLY_CEILING, idleOnlyVerdict } from "./scale.ts";

describe("idleOnlyVerdict", () => {
  it("meets the goal when every idle connection got drain's FIN within 1.2 x the runtime's own stop", () => {
    expect(IDLE_ONLY_CEILING).toBe(1.2);
    expect(idleOnlyVerdict(1.2, true)).toBe("ok");
    expect(idleOnlyVerdict(0.8, true)).toBe("ok");
  });

  it("misses it when drain is slower than that, or left a connection without a FIN", () => {
    expect(idleOnlyVerdict(1.21, true)).toBe("MISSED");
    expect(idleOnlyVerdict(1, false)).toBe("MISSED");
    expect(idleOnlyVerdict(Number.NaN, true)).toBe("MISSED");
  });
});
