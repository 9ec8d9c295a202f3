import { destroy, goaway, markClosing, sayGoodbye } from "./farewell.ts";
import { startGrace } from "./grace.ts";
import { noteArrival, noteClosed } from "./notify.ts";
import { checkDrained } from "./phases.ts";
import { FAREWELL_SENT, MARKED, RESPONDED_DURING_SHUTDOWN, type Entity, type State } from "./state.ts";
import type { ClosedInput, Command, OpenInput, RequestInput, ResponseEndInput, StreamOpenInput, UpgradeInput } from "./types.ts";

/** The connection lifecycle: never-used -> active <-> idle -> upgraded / closing -> closed (forgotten). */

/** Past the drain, nothing new is served: anything that still turns up is destroyed (or left to the runtime's force). */
function isPastDrain(state: State): boolean {
  return state.phase === "force" || state.phase === "cleanup" || state.phase === "stopped";
}

/** A connection or request that opened at `at` and has served nothing yet. */
export function openedEntity(kind: OpenInput["kind"], at: number): Entity {
  return { kind, state: "never-used", inflight: 0, last: at, opened: at, flags: 0, conn: -1 };
}

export function onOpen(state: State, input: OpenInput, out: Command[]): void {
  if (state.entities.has(input.id)) return;
  // One record, stored as it is: a copy per connection was measurable per request where each request is one.
  const stored = openedEntity(input.kind, state.now);
  if (isPastDrain(state)) {
    // Accepted in a race with the listener closing; nobody will serve it.
    if (state.options.capabilities.forceConnection) {
      state.entities.set(input.id, stored);
      destroy(state, input.id, stored, "immediate", out);
    }
    return;
  }
  state.entities.set(input.id, stored);
  if (state.phase === "notify") noteArrival(state, input.id, false);
  // An HTTP/2 session that appears during the drain (its TLS handshake finished late) gets its GOAWAY at once.
  if (state.phase === "drain" && input.kind === "http2") goaway(state, input.id, stored, out);
  // Accepted just before the listener closed: its first request may be on its way, so it gets the grace too.
  if (state.phase === "drain") startGrace(state, input.id, stored, "never-used", out);
}

export function onRequest(state: State, input: RequestInput, out: Command[]): void {
  const entity = state.entities.get(input.id);
  if (entity === undefined || entity.state === "upgraded") return;
  const shuttingDown = state.phase === "notify" || state.phase === "drain";
  if (shuttingDown) {
    state.stats.requestsDuringShutdown++;
    if (state.phase === "notify") noteArrival(state, input.id, true);
  }
  entity.inflight++;
  if (entity.state !== "closing") entity.state = "active";
  if (shuttingDown) markClosing(state, input.id, entity, out);
}

export function onResponseEnd(state: State, input: ResponseEndInput, out: Command[]): void {
  const entity = state.entities.get(input.id);
  if (entity === undefined || entity.inflight === 0) return;
  entity.inflight--;
  if (entity.inflight > 0) return;
  entity.last = state.now;
  // An HTTP/2 session with no open stream is idle; after GOAWAY it closes itself, so no grace is needed.
  if (entity.kind === "http2") {
    if (entity.state === "active") entity.state = "idle";
    return;
  }
  if (input.closing) {
    entity.state = "closing";
    return;
  }
  if (entity.state === "closing") return;
  entity.state = "idle";
  if (state.phase === "serving") return;
  entity.flags |= RESPONDED_DURING_SHUTDOWN;
  if (state.phase !== "drain") return;
  // The client may already be writing its next request: do not close under it; that request gets Connection: close.
  startGrace(state, input.id, entity, "after-response", out);
  checkDrained(state, out);
}

export function onUpgrade(state: State, input: UpgradeInput): void {
  const entity = state.entities.get(input.id);
  if (entity === undefined) return;
  entity.state = "upgraded";
  entity.inflight = 0;
}

export function onStreamOpen(state: State, input: StreamOpenInput, out: Command[]): void {
  if (state.entities.has(input.id)) return;
  const entity = { kind: input.kind, state: "open" as const, inflight: 0, last: state.now, opened: state.now, flags: 0, conn: input.conn ?? -1 };
  state.entities.set(input.id, entity);
  // A stream is a request too; its arrival was already noted on its connection when the adapter knows it.
  if (state.phase === "notify") noteArrival(state, input.conn ?? input.id, false);
  if (isPastDrain(state)) destroy(state, input.id, entity, "immediate", out);
  // A stream that opens during the drain gets its goodbye at once: SSE a `retry:` and a clean end, never a 503.
  else if (state.phase === "drain") sayGoodbye(state, input.id, entity, out);
}

export function onClosed(state: State, input: ClosedInput, out: Command[]): void {
  const entity = state.entities.get(input.id);
  if (entity === undefined) return;
  state.entities.delete(input.id);
  if (state.phase === "notify") noteClosed(state, input.id);
  const byUs = entity.flags & (MARKED | FAREWELL_SENT);
  if (byUs && state.phase !== "serving" && (entity.kind === "http1" || entity.kind === "http2" || entity.kind === "request")) {
    state.stats.closedAfterResponse++;
  }
  checkDrained(state, out);
}
