/**
 * A process's CPU time at nanosecond resolution, for the overhead part. utime + stime in /proc/<pid>/stat come
 * in 10 ms ticks, which over 40,000 requests is 0.25 µs a request: more than 2 % of a Bun or Deno request. The
 * kernel derives those ticks from each thread's `sum_exec_runtime`, which /proc/<pid>/task/<tid>/schedstat
 * gives in ns; the sum over the threads is the same CPU time without the rounding. A thread that exits between
 * two readings takes its time with it, so then the tick figure from /proc/<pid>/stat (which keeps the time of
 * exited threads) is used instead.
 */
import { readdirSync, readFileSync } from "node:fs";
import { cpuMs } from "./server-process.ts";

export interface CpuSnapshot {
  /** utime + stime of the whole process, in ms (10 ms ticks). */
  readonly statMs: number;
  /** Each live thread's CPU time so far, in ns. */
  readonly threadNs: ReadonlyMap<number, number>;
}

/** Read a process's CPU time now (Linux). */
export function cpuSnapshot(pid: number): CpuSnapshot {
  const threadNs = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      threadNs.set(Number(tid), Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]));
    } catch {
      // The thread exited after the directory was listed: `cpuBetween` sees it missing and falls back.
    }
  }
  return { statMs: cpuMs(pid), threadNs };
}

/**
 * CPU ms used between two snapshots of one process: the per-thread sum in ns when every thread of `before` is
 * still alive in `after` (threads born in between count whole), else the 10 ms tick figure.
 *
 * @example
 * ```ts
 * const before = cpuSnapshot(pid);
 * // ... load the server ...
 * const { ms, precise } = cpuBetween(before, cpuSnapshot(pid));
 * ```
 */
export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot): { readonly ms: number; readonly precise: boolean } {
  let ns = 0;
  for (const [tid, was] of before.threadNs) {
    const now = after.threadNs.get(tid);
    if (now === undefined) return { ms: after.statMs - before.statMs, precise: false };
    ns += now - was;
  }
  for (const [tid, now] of after.threadNs) if (!before.threadNs.has(tid)) ns += now;
  return { ms: ns / 1e6, precise: true };
}
