import { step, type State } from "@drain/core";
import { nodeMachine } from "./scenario.ts";
import { median } from "./table.ts";

/** Heap after a full collection. Needs `--expose-gc`. */
function settledHeap(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("run with node --expose-gc (the bench script does)");
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Holds the machine under measurement, so it stays reachable exactly between the two heap readings. */
let held: State | undefined;

/** `n` idle keep-alive connections, each having served one request. */
function fill(n: number): State {
  let state = nodeMachine();
  for (let id = 0; id < n; id++) {
    [state] = step(state, { type: "open", id, kind: "http1", now: id });
    [state] = step(state, { type: "request", id, now: id });
    [state] = step(state, { type: "response-end", id, closing: false, now: id });
  }
  return state;
}

/**
 * Bytes of heap per tracked connection: the heap holding a machine with `n` idle connections minus the heap
 * without it, divided by `n` (so the empty machine's own size is counted too, spread thin). The median of `trials`.
 */
export function bytesPerConnection(n: number, trials = 7): number {
  const samples: number[] = [];
  for (let t = 0; t < trials; t++) {
    held = undefined;
    const before = settledHeap();
    held = fill(n);
    const after = settledHeap();
    if (held.entities.size !== n) throw new Error("the machine lost connections");
    samples.push((after - before) / n);
  }
  held = undefined;
  return median(samples);
}
