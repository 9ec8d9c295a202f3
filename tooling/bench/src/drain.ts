import { nextDeadline, step, type Command, type State } from "@drain/core";
import { median } from "./table.ts";
import { nodeMachine } from "./scenario.ts";

/**
 * A server with `n` tracked things when SIGTERM arrives: 40 % idle keep-alive connections, 30 % with a request in
 * flight, 20 % never used (preconnects), 5 % SSE streams and 5 % WebSockets. Nothing answers (no `closed`, no
 * response ends), so the drain runs its whole course: closes, marks, end frames, 1001s, progress, the
 * WebSocket close timeout, and the force at the deadline.
 */
function busyMachine(n: number): State {
  let state = nodeMachine();
  for (let id = 0; id < n; id++) {
    const share = id % 20;
    if (share < 8) {
      [state] = step(state, { type: "open", id, kind: "http1", now: 0 });
      [state] = step(state, { type: "request", id, now: 0 });
      [state] = step(state, { type: "response-end", id, closing: false, now: 0 });
    } else if (share < 14) {
      [state] = step(state, { type: "open", id, kind: "http1", now: 0 });
      [state] = step(state, { type: "request", id, now: 0 });
    } else if (share < 18) {
      [state] = step(state, { type: "open", id, kind: "http1", now: 0 });
    } else {
      [state] = step(state, { type: "stream-open", id, kind: share === 18 ? "sse" : "ws", now: 0 });
    }
  }
  return state;
}

export interface DrainResult {
  readonly n: number;
  /** Milliseconds in `step` for the shutdown input plus every tick until `stopped`: the median of the trials. */
  readonly ms: number;
  /** The fastest trial: the least disturbed by other work on the machine, so the one to compare sizes with. */
  readonly minMs: number;
  readonly steps: number;
  readonly commands: number;
}

/** Time the shutdown step and the ticks until stopped; the median of `trials` runs. */
export function measureDrain(n: number, trials = 7): DrainResult {
  const times: number[] = [];
  let steps = 0;
  let commands = 0;
  for (let t = 0; t < trials; t++) {
    let state = busyMachine(n);
    let emitted: readonly Command[];
    // Collect the set-up's garbage now, so the timed part pays only for its own.
    (globalThis as { gc?: () => void }).gc?.();
    steps = 0;
    commands = 0;
    const start = performance.now();
    [state, emitted] = step(state, { type: "shutdown", mode: "graceful", reason: "bench", seed: 1, hooks: [], now: 10_000 });
    steps++;
    commands += emitted.length;
    let stopped = emitted.some((c) => c.type === "stopped");
    while (!stopped) {
      const at = nextDeadline(state);
      if (at === undefined) throw new Error("the machine is stuck: not stopped and no deadline");
      [state, emitted] = step(state, { type: "tick", now: at });
      steps++;
      commands += emitted.length;
      stopped = emitted.some((c) => c.type === "stopped");
    }
    times.push(performance.now() - start);
  }
  return { n, ms: median(times), minMs: Math.min(...times), steps, commands };
}
