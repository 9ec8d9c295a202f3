import { notifyStatus, phase, type Input, type NotifyEnd, type State } from "@drain/core";
import type { InputWithoutNow } from "./feed-loop.ts";

/**
 * The engine's side of the notify phase (the policy is the core's `notify.ts`): probes answered during notify are
 * told to the core, so a balancer that keeps polling a server it has marked down does not hold an adaptive notify
 * open; and the notify phase as `/status` and the log lines show it.
 */

/**
 * A readiness or liveness probe is being answered on `request`: during notify, tell the core it was not traffic.
 * Costs nothing while serving (one phase read). A request whose connection is unknown counts as traffic, which can
 * only make notify longer, never shorter.
 *
 * @example
 * ```ts
 * readiness: (request) => { noteProbe(state, request, track.idOf, loop.feed); return readinessResponse(phase(state)); }
 * ```
 */
export function noteProbe(state: State, request: object | undefined, idOf: (request: object) => number | undefined, feed: (input: InputWithoutNow | Input) => void): void {
  if (request === undefined || phase(state) !== "notify") return;
  const id = idOf(request);
  if (id !== undefined) feed({ type: "probe", id });
}

/** The notify phase in `/status`: relative times, so a client needs no clock of the server's. */
export interface NotifyStatusBody {
  readonly kind: "fixed" | "adaptive";
  /** What ended it (see the report's `notify.endedBy`); null while it runs. */
  readonly endedBy: NotifyEnd | null;
  /** How long it has lasted so far, or lasted in all. */
  readonly durationMs: number;
  /** While it runs: when it ends if no new connection or request arrives; null once it ended. */
  readonly msToEnd: number | null;
  /** How long ago the latest new connection or request (probes aside) arrived during notify; null when none did. */
  readonly lastArrivalMsAgo: number | null;
}

/** `/status`'s `notify`, or `undefined` before a shutdown and when it had no notify phase. */
export function notifyStatusBody(state: State, now: number): NotifyStatusBody | undefined {
  const n = notifyStatus(state);
  if (n === undefined) return undefined;
  const running = n.endedBy === undefined;
  return {
    kind: n.kind,
    endedBy: n.endedBy ?? null,
    durationMs: Math.round((running ? now : n.endsAt) - n.startedAt),
    msToEnd: running ? Math.max(0, Math.round(n.endsAt - now)) : null,
    lastArrivalMsAgo: n.lastArrivalAt === null ? null : Math.round(now - n.lastArrivalAt),
  };
}

/** The log line when notify ends and the drain starts, or `undefined` when there was no notify. */
export function notifyEndLine(state: State): string | undefined {
  const n = notifyStatus(state);
  if (n === undefined || n.endedBy === undefined || n.endedBy === "escalated") return undefined;
  const lasted = `${((n.endsAt - n.startedAt) / 1000).toFixed(1)} s`;
  const last = n.lastArrivalAt === null ? "no new connection or request came" : `the last new connection or request came ${((n.endsAt - n.lastArrivalAt) / 1000).toFixed(1)} s before`;
  return `drain: notify ended (${n.endedBy}) after ${lasted}; ${last}`;
}
