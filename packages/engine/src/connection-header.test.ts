import { describe, expect, it } from "vitest";
import { asksToClose } from "./connection-header.ts";

describe("asksToClose", () => {
  it("finds the close token anywhere in the list, in any case", () => {
    expect(asksToClose("close")).toBe(true);
    expect(asksToClose("Keep-Alive, Close")).toBe(true);
    expect(asksToClose(" close ,upgrade")).toBe(true);
  });

  it("takes no other token, and no header, for close", () => {
    expect(asksToClose("keep-alive")).toBe(false);
    expect(asksToClose("closed")).toBe(false);
    expect(asksToClose(null)).toBe(false);
    expect(asksToClose(undefined)).toBe(false);
  });
});
