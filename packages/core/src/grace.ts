import { close } from "./farewell.ts";
import { RESPONDED_DURING_SHUTDOWN, type Entity, type State } from "./state.ts";
import { GRACE_EXPIRES, type TimerEntry } from "./timers.ts";
import type { Command, Id } from "./types.ts";

/**
 * The keep-alive grace: an HTTP/1 connection that opened or finished a response less than `keepAliveGraceMs` ago may
 * have a request on its way (its first one, for a fresh connection), so it is closed when the grace ends, not under
 * the client. Only where connections can be closed one by one; elsewhere the listener waits one grace instead (see
 * `enterDrain`). `whyNow` is what a close counts as when the grace is already over.
 */
export function startGrace(state: State, id: Id, entity: Entity, whyNow: "idle" | "never-used" | "after-response", out: Command[]): void {
  if (entity.kind !== "http1" || !state.options.capabilities.closeConnection) return;
  const grace = state.options.keepAliveGraceMs;
  if (state.now - entity.last >= grace) close(state, id, whyNow, out);
  else state.timers.push({ at: entity.last + grace, id, tag: GRACE_EXPIRES });
}

/** Whether a queued grace still stands: the connection is still idle or unused, and nothing restarted its grace. */
export function graceIsLive(state: State, entry: TimerEntry, entity: Entity): boolean {
  return (entity.state === "idle" || entity.state === "never-used") && entity.kind === "http1" && entity.last + state.options.keepAliveGraceMs === entry.at;
}

/** The grace ran out: close the connection, counted by what it last did. */
export function endGrace(state: State, id: Id, entity: Entity, out: Command[]): void {
  const why = entity.state === "never-used" ? "never-used" : entity.flags & RESPONDED_DURING_SHUTDOWN ? "after-response" : "idle";
  close(state, id, why, out);
}
