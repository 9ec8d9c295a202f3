import { step, type Input, type State } from "@drain/core";
import { nodeMachine } from "./scenario.ts";

/**
 * Events per second through `step` for the traffic a busy HTTP/1.1 server sees while serving:
 * `live` keep-alive connections taking request / response-end pairs, and one in `churnEvery` request cycles
 * closing its connection and a new one opening in its place. Each input object is built per event, as an adapter would.
 */
export interface ThroughputResult {
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
}

/** Feed `events` inputs into a machine holding `live` connections. */
export function measureStep(live: number, events: number, churnEvery = 20): ThroughputResult {
  let state: State = nodeMachine();
  let now = 0;
  for (let id = 0; id < live; id++) [state] = step(state, { type: "open", id, kind: "http1", now });
  const ids = new Int32Array(live);
  for (let i = 0; i < live; i++) ids[i] = i;
  let nextId = live;
  let fed = 0;
  let cycle = 0;
  const start = performance.now();
  while (fed < events) {
    const slot = (cycle * 7919) % live; // a stride coprime with `live` visits connections out of order
    const id = ids[slot] as number;
    now += 0.01;
    [state] = step(state, { type: "request", id, now });
    [state] = step(state, { type: "response-end", id, closing: false, now });
    fed += 2;
    if (++cycle % churnEvery === 0) {
      const input: Input = { type: "closed", id, now };
      [state] = step(state, input);
      ids[slot] = nextId;
      [state] = step(state, { type: "open", id: nextId++, kind: "http1", now });
      fed += 2;
    }
  }
  const seconds = (performance.now() - start) / 1000;
  return { events: fed, seconds, eventsPerSecond: fed / seconds };
}

/**
 * The floor to compare with: the same event sequence applied to a bare `Map` of small records (one get or
 * set per event), the least bookkeeping any tracker could do.
 */
export function measureBaseline(live: number, events: number, churnEvery = 20): ThroughputResult {
  interface Conn {
    inflight: number;
    last: number;
  }
  const map = new Map<number, Conn>();
  let now = 0;
  for (let id = 0; id < live; id++) map.set(id, { inflight: 0, last: now });
  const ids = new Int32Array(live);
  for (let i = 0; i < live; i++) ids[i] = i;
  let nextId = live;
  let fed = 0;
  let cycle = 0;
  const start = performance.now();
  while (fed < events) {
    const slot = (cycle * 7919) % live;
    const id = ids[slot] as number;
    now += 0.01;
    const onRequest = map.get(id);
    if (onRequest !== undefined) onRequest.inflight++;
    const onEnd = map.get(id);
    if (onEnd !== undefined) {
      onEnd.inflight--;
      onEnd.last = now;
    }
    fed += 2;
    if (++cycle % churnEvery === 0) {
      map.delete(id);
      ids[slot] = nextId;
      map.set(nextId++, { inflight: 0, last: now });
      fed += 2;
    }
  }
  const seconds = (performance.now() - start) / 1000;
  if (map.size !== live) throw new Error("baseline lost track of connections");
  return { events: fed, seconds, eventsPerSecond: fed / seconds };
}
