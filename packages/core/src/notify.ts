import { drainError } from "./errors.ts";
import type { State } from "./state.ts";
import type { AdaptiveNotify, Id, NotifyEnd, NotifyReport, ProbeInput, ResolvedNotify } from "./types.ts";

/*
 * The notify phase: readiness fails while everything is still served, so balancers move traffic away. Fixed, it
 * lasts `notifyMs`. Adaptive, it lasts until no new connection, request or stream has arrived for `quietMs`, never
 * less than `minMs` (a balancer that has not polled yet must still see the 503) and never more than `maxMs`; the
 * budget's force deadline cuts either. Probe requests (readiness, liveness) are not traffic: balancers keep
 * polling a server they have marked down, and counting them would keep a quiet window from ever passing.
 *
 * Arrivals are only noted (a few stores); the end is recomputed when the timer wakes at `notifyUntil`, the earliest
 * the phase can end given what has been seen. So the engine's one timer is not re-armed per request, and once
 * arrivals stop the drain starts exactly `quietMs` after the last one.
 */

/** What the machine remembers about the running notify phase. */
export interface NotifyState {
  startedAt: number;
  /** When the latest new connection, request or stream arrived during notify; -Infinity when none did. */
  lastArrivalAt: number;
  /** The id that arrival was on, so a probe on it can be taken back; -1 when none (or taken back). */
  lastArrivalId: Id;
  /** `lastArrivalAt` before the latest request's arrival (with its connection's open): what a probe on it restores. */
  beforeLastArrivalAt: number;
  /** The latest arrival was a request (not an open or a stream on its connection). */
  lastWasRequest: boolean;
  arrivals: number;
  probes: number;
  endedBy: NotifyEnd | undefined;
  endedAt: number;
}

export function createNotifyState(): NotifyState {
  return {
    startedAt: 0,
    lastArrivalAt: Number.NEGATIVE_INFINITY,
    lastArrivalId: -1,
    beforeLastArrivalAt: Number.NEGATIVE_INFINITY,
    lastWasRequest: false,
    arrivals: 0,
    probes: 0,
    endedBy: undefined,
    endedAt: 0,
  };
}

/** A day, as for every other duration. */
const ABSURD_MS = 86_400_000;
const ADAPTIVE_KEYS: readonly string[] = ["minMs", "quietMs", "maxMs"];
/** Defaults of the adaptive form; `maxMs` is also held under half of the budget, so the drain keeps the rest. */
const ADAPTIVE_DEFAULTS = { minMs: 1_000, quietMs: 1_000, maxMs: 10_000 } as const;

/**
 * Check `notifyMs` (a number: fixed; an object: adaptive) against the budget and fill in the adaptive defaults.
 * Throws a `DrainError` with a stable code on any mistake.
 *
 * @example
 * ```ts
 * resolveNotify({ quietMs: 2_000 }, 25_000); // { kind: "adaptive", minMs: 1000, quietMs: 2000, maxMs: 10000 }
 * ```
 */
export function resolveNotify(value: number | AdaptiveNotify, timeoutMs: number): ResolvedNotify {
  if (typeof value === "number") return { kind: "fixed", ms: value };
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw drainError("ERR_DRAIN_INVALID_OPTION", "notifyMs must be a number of milliseconds (fixed) or { minMs?, quietMs?, maxMs? } (adaptive).");
  }
  const record = value as Record<string, unknown>;
  const unknown = Object.keys(record).filter((key) => !ADAPTIVE_KEYS.includes(key))[0];
  if (unknown !== undefined) {
    throw drainError("ERR_DRAIN_UNKNOWN_OPTION", `Unknown notifyMs option "${unknown}". Known: minMs, quietMs, maxMs (for example notifyMs: { minMs: 1000, quietMs: 1000, maxMs: 10000 }).`);
  }
  const ms = (key: string): number | undefined => {
    const v = record[key];
    if (v === undefined) return undefined;
    if (typeof v !== "number" || !(v >= 0) || v > ABSURD_MS) {
      throw drainError("ERR_DRAIN_INVALID_DURATION", `notifyMs.${key} must be a number of milliseconds from 0 to ${ABSURD_MS}, got ${typeof v === "number" ? v : typeof v}.`);
    }
    return v;
  };
  const quietMs = ms("quietMs") ?? ADAPTIVE_DEFAULTS.quietMs;
  if (quietMs === 0) throw drainError("ERR_DRAIN_INVALID_DURATION", "notifyMs.quietMs must be more than 0; for a notify of exactly minMs use a fixed notifyMs.");
  const givenMax = ms("maxMs");
  const givenMin = ms("minMs");
  const maxMs = givenMax ?? Math.min(ADAPTIVE_DEFAULTS.maxMs, Math.floor(timeoutMs / 2));
  const minMs = givenMin ?? Math.min(ADAPTIVE_DEFAULTS.minMs, maxMs);
  if (minMs > maxMs) {
    throw drainError("ERR_DRAIN_INVALID_RANGE", `notifyMs.minMs (${minMs}) must not be more than notifyMs.maxMs (${maxMs}). Raise maxMs or lower minMs.`);
  }
  if (maxMs >= timeoutMs) {
    throw drainError(
      "ERR_DRAIN_NOTIFY_NOT_BEFORE_DEADLINE",
      `notifyMs.maxMs (${maxMs}) must be shorter than timeoutMs (${timeoutMs}): the drain has to start before the deadline. Lower maxMs or raise timeoutMs.`,
    );
  }
  return { kind: "adaptive", minMs, quietMs, maxMs };
}

/** The longest the notify phase can last (the hooks' reserve is sized against it). */
export function longestNotify(notify: ResolvedNotify): number {
  return notify.kind === "fixed" ? notify.ms : notify.maxMs;
}

/** Notify starts: remember when, and wake first at the earliest moment it may end. */
export function beginNotify(state: State): void {
  const n = state.notify;
  // The rest starts as createNotifyState left it: a machine enters notify at most once.
  n.startedAt = state.now;
  const config = state.options.notify;
  const earliest = config.kind === "fixed" ? config.ms : config.minMs;
  // Hooks' reserve may bring the force deadline before the end of notify; the budget wins.
  state.notifyUntil = Math.min(state.now + earliest, state.forceAt);
}

/**
 * A new connection, request (`request` true) or stream arrived on `id` during notify. A few stores; nothing is
 * re-armed. A connection's open and its first request are one arrival for a probe to take back; a second request
 * on the same connection (keep-alive, HTTP/2) is its own, so a probe never takes back a real request before it.
 */
export function noteArrival(state: State, id: Id, request: boolean): void {
  const n = state.notify;
  if (id !== n.lastArrivalId || (request && n.lastWasRequest)) {
    n.beforeLastArrivalAt = n.lastArrivalAt;
    n.lastArrivalId = id;
    n.lastWasRequest = false;
  }
  if (request) n.lastWasRequest = true;
  n.lastArrivalAt = state.now;
  n.arrivals++;
}

/**
 * The request on `id` is a readiness or liveness probe: it is not traffic. Its arrivals are taken back when they
 * are the latest; when something else arrived since, that stays the latest, which is only ever later.
 */
export function onProbe(state: State, input: ProbeInput): void {
  if (state.phase !== "notify") return;
  const n = state.notify;
  n.probes++;
  if (input.id === n.lastArrivalId) takeBackLatest(n);
}

/**
 * `id` closed during notify. A connection that closes without a request was not traffic (a TCP health check, an
 * abandoned preconnect, or an adapter re-keying a connection that turned out to speak HTTP/2): its open is taken
 * back when it is the latest arrival.
 */
export function noteClosed(state: State, id: Id): void {
  const n = state.notify;
  if (id === n.lastArrivalId && !n.lastWasRequest) takeBackLatest(n);
}

/** The latest arrival was not traffic: the one before it is the latest again. */
function takeBackLatest(n: NotifyState): void {
  n.lastArrivalAt = n.beforeLastArrivalAt;
  n.lastArrivalId = -1;
  n.lastWasRequest = false;
}

/**
 * Whether notify is over at `state.now`. When it is not, `notifyUntil` moves to the earliest moment it can be,
 * given the arrivals seen so far; `nextDeadline` returns it.
 */
export function notifyOver(state: State): boolean {
  if (state.now < state.notifyUntil) return false;
  const end = projectedEnd(state);
  if (state.now < end) {
    state.notifyUntil = end;
    return false;
  }
  const n = state.notify;
  n.endedBy = state.forceAt < unclampedEnd(state) ? "budget" : endedByTraffic(state);
  n.endedAt = state.now;
  return true;
}

/** When notify ends if nothing more arrives: fixed, its end; adaptive, the quiet window's end held to [min, max]; the budget's force deadline cuts both. */
export function projectedEnd(state: State): number {
  return Math.min(unclampedEnd(state), state.forceAt);
}

/** `projectedEnd` before the budget has its say. */
function unclampedEnd(state: State): number {
  const config = state.options.notify;
  const n = state.notify;
  if (config.kind === "fixed") return n.startedAt + config.ms;
  return Math.max(n.startedAt + config.minMs, Math.min(n.lastArrivalAt + config.quietMs, n.startedAt + config.maxMs));
}

/** What ended a notify the budget did not cut: its fixed time, or which bound of the adaptive one held. */
function endedByTraffic(state: State): NotifyEnd {
  const config = state.options.notify;
  if (config.kind === "fixed") return "fixed";
  const n = state.notify;
  const quiet = n.lastArrivalAt + config.quietMs;
  return quiet >= n.startedAt + config.maxMs ? "max" : quiet <= n.startedAt + config.minMs ? "min" : "quiet";
}

/** A second shutdown request (or dispose) ended notify by forcing (`escalated`), or a crash cut it short (`crash`). */
export function notifyCut(state: State, by: "escalated" | "crash"): void {
  if (state.phase !== "notify") return;
  state.notify.endedBy = by;
  state.notify.endedAt = state.now;
}

/** The report's `notify`: present when a notify phase ran. */
export function notifyReport(state: State): NotifyReport | undefined {
  const n = state.notify;
  if (n.endedBy === undefined) return undefined;
  const config = state.options.notify;
  return {
    kind: config.kind,
    endedBy: n.endedBy,
    startedAt: n.startedAt,
    durationMs: n.endedAt - n.startedAt,
    arrivals: n.arrivals,
    probes: n.probes,
    lastArrivalAt: Number.isFinite(n.lastArrivalAt) ? n.lastArrivalAt : null,
  };
}

/** How the notify phase stands or went, for `/status`. Times are on the inputs' clock. */
export interface NotifyStatus {
  readonly kind: "fixed" | "adaptive";
  readonly startedAt: number;
  /** What ended it; `undefined` while it runs. */
  readonly endedBy: NotifyEnd | undefined;
  /** When it ended, or, while it runs, when it ends if nothing more arrives. */
  readonly endsAt: number;
  /** When the latest new connection or request (probes aside) arrived during notify; null when none did. */
  readonly lastArrivalAt: number | null;
}

/**
 * How the notify phase stands (while it runs) or went (after it); `undefined` before a shutdown and when it had
 * none.
 *
 * @example
 * ```ts
 * const n = notifyStatus(state);
 * if (n?.endedBy === undefined && n !== undefined) console.log(`notify ends in ${n.endsAt - now} ms unless traffic arrives`);
 * ```
 */
export function notifyStatus(state: State): NotifyStatus | undefined {
  const n = state.notify;
  const running = state.phase === "notify";
  if (!running && n.endedBy === undefined) return undefined;
  return {
    kind: state.options.notify.kind,
    startedAt: n.startedAt,
    endedBy: n.endedBy,
    endsAt: running ? projectedEnd(state) : n.endedAt,
    lastArrivalAt: Number.isFinite(n.lastArrivalAt) ? n.lastArrivalAt : null,
  };
}
