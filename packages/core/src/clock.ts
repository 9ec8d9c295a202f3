import { destroy, sayGoodbye } from "./farewell.ts";
import { endGrace, graceIsLive } from "./grace.ts";
import { checkDrained } from "./phases.ts";
import { counts } from "./counts.ts";
import { FAREWELL_SENT, type State } from "./state.ts";
import { GRACE_EXPIRES, LAMEDUCK_TURN, WS_CLOSE_TIMEOUT, type TimerEntry } from "./timers.ts";
import type { Command } from "./types.ts";

/** Fire the drain's per-connection deadlines that are due, in time order, while the drain lasts. */
export function fireDueTimers(state: State, out: Command[]): void {
  for (let entry = state.timers.peek(); entry !== undefined && entry.at <= state.now; entry = state.timers.peek()) {
    state.timers.pop();
    fire(state, entry, out);
    if (state.phase !== "drain") break;
  }
}

/** A progress line is due: say how things stand, once per `progressEveryMs` however late the tick. */
export function reportProgress(state: State, out: Command[]): void {
  while (state.progressAt <= state.now) state.progressAt += state.options.progressEveryMs;
  out.push({ type: "progress", counts: counts(state), msToDeadline: state.forceAt - state.now });
}

function fire(state: State, entry: TimerEntry, out: Command[]): void {
  const entity = state.entities.get(entry.id);
  if (entity === undefined || !isLive(state, entry)) return;
  if (entry.tag === GRACE_EXPIRES) {
    endGrace(state, entry.id, entity, out);
  } else if (entry.tag === WS_CLOSE_TIMEOUT) {
    destroy(state, entry.id, entity, "ws-close-timeout", out);
  } else {
    sayGoodbye(state, entry.id, entity, out);
  }
  checkDrained(state, out);
}

/** Whether a queued deadline still means something for its entity. */
function isLive(state: State, entry: TimerEntry): boolean {
  const entity = state.entities.get(entry.id);
  if (entity === undefined) return false;
  if (entry.tag === GRACE_EXPIRES) return graceIsLive(state, entry, entity);
  if (entry.tag === WS_CLOSE_TIMEOUT) return entity.kind === "ws";
  if (entry.tag === LAMEDUCK_TURN) return (entity.flags & FAREWELL_SENT) === 0;
  return false;
}

/** Keep the queue's head meaningful, so `nextDeadline` does not wake the caller for nothing. */
export function dropStaleTimers(state: State): void {
  for (let entry = state.timers.peek(); entry !== undefined && !isLive(state, entry); entry = state.timers.peek()) {
    state.timers.pop();
  }
}

/**
 * When the caller should feed the next `tick`, or `undefined` when no time-based step is pending.
 *
 * @example
 * ```ts
 * const at = nextDeadline(state);
 * if (at !== undefined) timer = setTimeout(() => feed({ type: "tick", now: clock() }), at - clock());
 * ```
 */
export function nextDeadline(state: State): number | undefined {
  switch (state.phase) {
    case "notify":
      return state.notifyUntil;
    case "drain": {
      const head = state.timers.peek();
      const soonest = Math.min(state.forceAt, state.progressAt, state.stoppedAccepting ? Number.POSITIVE_INFINITY : state.listenerCloseAt);
      return head === undefined ? soonest : Math.min(soonest, head.at);
    }
    case "cleanup":
      return state.hookIndex < state.hooks.length ? state.hookDeadline : undefined;
    default:
      return undefined;
  }
}
