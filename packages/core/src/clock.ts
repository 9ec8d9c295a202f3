import { close, destroy, sayGoodbye } from "./farewell.ts";
import { checkDrained, enterDrain, enterForce, finishHook, stopAccepting } from "./phases.ts";
import { counts } from "./counts.ts";
import { FAREWELL_SENT, RESPONDED_DURING_SHUTDOWN, type State } from "./state.ts";
import { GRACE_EXPIRES, LAMEDUCK_TURN, WS_CLOSE_TIMEOUT, type TimerEntry } from "./timers.ts";
import type { Command } from "./types.ts";

/** Everything that happens because time passed. Runs after every input, so a late tick loses nothing. */
export function advance(state: State, out: Command[]): void {
  const now = state.now;
  if (state.phase === "notify" && now >= state.notifyUntil) enterDrain(state, now, out);
  if (state.phase === "drain" && !state.stoppedAccepting && now >= state.listenerCloseAt) {
    stopAccepting(state, out);
    checkDrained(state, now, out);
  }
  if (state.phase === "drain") {
    for (let entry = state.timers.peek(); entry !== undefined && entry.at <= now; entry = state.timers.peek()) {
      state.timers.pop();
      fire(state, entry, now, out);
      if (state.phase !== "drain") break;
    }
  }
  if (state.phase === "drain" && now >= state.forceAt) enterForce(state, now, "deadline", out);
  if (state.phase === "drain" && now >= state.progressAt) {
    while (state.progressAt <= now) state.progressAt += state.options.progressEveryMs;
    out.push({ type: "progress", counts: counts(state), msToDeadline: state.forceAt - now });
  }
  if (state.phase === "cleanup" && state.hookIndex < state.hooks.length && now >= state.hookDeadline) {
    finishHook(state, now, "timeout", undefined, out);
  }
  dropStaleTimers(state);
}

function fire(state: State, entry: TimerEntry, now: number, out: Command[]): void {
  const entity = state.entities.get(entry.id);
  if (entity === undefined || !isLive(state, entry)) return;
  if (entry.tag === GRACE_EXPIRES) {
    const why = entity.state === "never-used" ? "never-used" : entity.flags & RESPONDED_DURING_SHUTDOWN ? "after-response" : "idle";
    close(state, entry.id, why, out);
  } else if (entry.tag === WS_CLOSE_TIMEOUT) {
    destroy(state, entry.id, entity, "ws-close-timeout", out);
  } else {
    sayGoodbye(state, entry.id, entity, now, out);
  }
  checkDrained(state, now, out);
}

/** Whether a queued deadline still means something for its entity. */
function isLive(state: State, entry: TimerEntry): boolean {
  const entity = state.entities.get(entry.id);
  if (entity === undefined) return false;
  if (entry.tag === GRACE_EXPIRES) {
    return (entity.state === "idle" || entity.state === "never-used") && entity.kind === "http1" && entity.last + state.options.keepAliveGraceMs === entry.at;
  }
  if (entry.tag === WS_CLOSE_TIMEOUT) return entity.kind === "ws";
  if (entry.tag === LAMEDUCK_TURN) return (entity.flags & FAREWELL_SENT) === 0;
  return false;
}

/** Keep the queue's head meaningful, so `nextDeadline` does not wake the caller for nothing. */
function dropStaleTimers(state: State): void {
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
