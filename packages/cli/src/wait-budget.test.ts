import { describe, expect, it } from "vitest";
import { msLeftInBudget } from "./wait-budget.ts";

const counts = {};

describe("msLeftInBudget", () => {
  it("takes msToBudgetEnd when the server sends it, null meaning nothing is left", () => {
    expect(msLeftInBudget({ type: "progress", phase: "cleanup", counts, msToDeadline: null, msToBudgetEnd: 4_000 })).toBe(4_000);
    expect(msLeftInBudget({ type: "progress", phase: "drain", counts, msToDeadline: 1_000, msToBudgetEnd: 6_000 })).toBe(6_000);
    expect(msLeftInBudget({ type: "accepted", pid: 7, mode: "immediate", phase: "stopped", msToDeadline: null, msToBudgetEnd: null })).toBe(0);
  });

  it("falls back to msToDeadline from an older server, and says nothing when that is null", () => {
    expect(msLeftInBudget({ type: "accepted", pid: 7, mode: "graceful", phase: "drain", msToDeadline: 2_000 })).toBe(2_000);
    expect(msLeftInBudget({ type: "progress", phase: "cleanup", counts, msToDeadline: null })).toBeUndefined();
  });
});
