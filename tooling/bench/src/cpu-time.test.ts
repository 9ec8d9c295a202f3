import { describe, expect, it } from "vitest";
import { cpuBetween, type CpuSnapshot, cpuSnapshot } from "./cpu-time.ts";

const snap = (statMs: number, threads: Record<number, number>): CpuSnapshot => ({
  statMs,
  threadNs: new Map(Object.entries(threads).map(([tid, ns]) => [Number(tid), ns])),
});

describe("cpuBetween", () => {
  it("sums each thread's CPU time at ns resolution, not the 10 ms ticks", () => {
    const result = cpuBetween(snap(100, { 1: 50_000_000, 2: 1_000_000 }), snap(110, { 1: 53_250_000, 2: 1_500_000 }));
    expect(result).toEqual({ ms: 3.75, precise: true });
  });

  it("counts a thread born between the readings whole", () => {
    const result = cpuBetween(snap(0, { 1: 0 }), snap(0, { 1: 2_000_000, 7: 500_000 }));
    expect(result).toEqual({ ms: 2.5, precise: true });
  });

  it("falls back to the process's tick figure when a thread exited in between (its time left with it)", () => {
    const result = cpuBetween(snap(100, { 1: 0, 2: 9_000_000 }), snap(130, { 1: 4_000_000 }));
    expect(result).toEqual({ ms: 30, precise: false });
  });

  it("reads this process: the per-thread sum agrees with utime + stime within their 10 ms ticks", () => {
    const before = cpuSnapshot(process.pid);
    // Spin until the process has used 60 ms of CPU (getrusage, µs), however busy the machine is.
    const start = process.cpuUsage();
    let spin = 0;
    for (;;) {
      const used = process.cpuUsage(start);
      if (used.user + used.system >= 60_000) break;
      spin += Math.sqrt(spin + 1);
    }
    const after = cpuSnapshot(process.pid);
    const { ms, precise } = cpuBetween(before, after);
    expect(spin).toBeGreaterThan(0);
    expect(precise).toBe(true);
    expect(ms).toBeGreaterThanOrEqual(59);
    expect(Math.abs(ms - (after.statMs - before.statMs))).toBeLessThanOrEqual(20 + 5);
  });
});
