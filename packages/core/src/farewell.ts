import { recordForced } from "./forced-items.ts";
import { randomBetween } from "./random.ts";
import { FAREWELL_SENT, MARKED, type Entity, type State } from "./state.ts";
import { WS_CLOSE_TIMEOUT } from "./timers.ts";
import type { Command, Id } from "./types.ts";

/**
 * The polite goodbye each kind gets when the drain reaches it. Terminal commands (`close`, `destroy`)
 * forget the entity at once, so no later command can name it.
 */

export function markClosing(state: State, id: Id, entity: Entity, out: Command[]): void {
  if (entity.flags & MARKED || entity.kind === "http2" || !state.options.capabilities.connectionClose) return;
  entity.flags |= MARKED;
  out.push({ type: "mark-closing", id });
}

export function endSse(state: State, id: Id, entity: Entity, out: Command[]): void {
  if (entity.flags & FAREWELL_SENT) return;
  entity.flags |= FAREWELL_SENT;
  const [min, max] = state.options.sseRetryMs;
  out.push({ type: "end-sse", id, retryMs: randomBetween(state, min, max) });
  state.stats.sseEnded++;
  // Its connection then follows the keep-alive rule like any other: a browser may reuse it for another request
  // the moment the stream ends, so it is not closed inside the grace.
}

export function closeWebSocket(state: State, id: Id, entity: Entity, out: Command[]): void {
  if (entity.flags & FAREWELL_SENT) return;
  entity.flags |= FAREWELL_SENT;
  entity.state = "closing";
  out.push({ type: "close-ws", id, code: 1001 });
  state.stats.wsClosed++;
  // A close timeout at or past the force deadline is the deadline's business (and its reason).
  const at = state.now + state.options.wsCloseTimeoutMs;
  if (at < state.forceAt) state.timers.push({ at, id, tag: WS_CLOSE_TIMEOUT });
}

export function goaway(state: State, id: Id, entity: Entity, out: Command[]): void {
  if (entity.flags & FAREWELL_SENT || !state.options.capabilities.goaway) return;
  entity.flags |= FAREWELL_SENT;
  entity.state = "closing";
  out.push({ type: "goaway", id });
}

/** Close an idle or never-used connection. Terminal. */
export function close(state: State, id: Id, why: "idle" | "never-used" | "after-response", out: Command[]): void {
  state.entities.delete(id);
  out.push({ type: "close", id, why });
  if (why === "idle") state.stats.closedIdle++;
  else if (why === "never-used") state.stats.closedNeverUsed++;
  else state.stats.closedAfterResponse++;
}

/** Destroy one thing now. Terminal. */
export function destroy(
  state: State,
  id: Id,
  entity: Entity,
  why: "deadline" | "immediate" | "ws-close-timeout",
  out: Command[],
): void {
  state.entities.delete(id);
  out.push({ type: "destroy", id, why });
  if (why !== "ws-close-timeout") recordForced(state, id, entity);
  if (entity.kind === "sse") state.stats.sseForced++;
  // A client that leaves the close unanswered is cut on the protocol's normal path (RFC 6455 §7.1.1), not forced.
  else if (entity.kind === "ws" && why === "ws-close-timeout") state.stats.wsCutAfterCloseTimeout++;
  else if (entity.kind === "ws") state.stats.wsForced++;
  else state.stats.forced++;
}

/** The farewell for a long-lived entity (SSE or WebSocket), now. */
export function sayGoodbye(state: State, id: Id, entity: Entity, out: Command[]): void {
  if (entity.kind === "sse") endSse(state, id, entity, out);
  else if (entity.kind === "ws") closeWebSocket(state, id, entity, out);
}
