import type { State } from "./state.ts";
import { countTallies } from "./tally.ts";
import type { Counts, Phase } from "./types.ts";

/** What is open right now, by kind. O(n): meant for progress lines and probes, not per event. */
export function counts(state: State): Counts {
  let neverUsed = 0;
  let idle = 0;
  let active = 0;
  let requests = 0;
  let upgraded = 0;
  let closing = 0;
  let sse = 0;
  let websockets = 0;
  // forEach: no iterator result per entity (see `enterDrain`).
  state.entities.forEach((entity) => {
    if (entity.kind === "sse") sse++;
    else if (entity.kind === "ws") websockets++;
    else {
      requests += entity.inflight;
      if (entity.state === "never-used") neverUsed++;
      else if (entity.state === "idle") idle++;
      else if (entity.state === "upgraded") upgraded++;
      else if (entity.state === "closing") closing++;
      else if (entity.state === "active") active++;
    }
  });
  const tallied = { neverUsed, idle, active, requests, upgraded, closing };
  if (state.tallies.size !== 0) countTallies(state, tallied);
  return { ...tallied, sse, websockets };
}

/** The current phase. */
export function phase(state: State): Phase {
  return state.phase;
}
