import { createNotifyState, type NotifyState } from "./notify.ts";
import { resolveOptions } from "./options.ts";
import { TimerQueue } from "./timers.ts";
import type { ConnState, ForcedItem, HookReport, HookSpec, Id, Kind, Mode, Options, Phase, ResolvedOptions } from "./types.ts";

/** `mark-closing` was sent: the adapter puts `Connection: close` on this connection's responses. */
export const MARKED = 1;
/** Its last response ended during the shutdown, so a close at grace expiry counts as "after its response". */
export const RESPONDED_DURING_SHUTDOWN = 8;
/** The protocol-level goodbye was sent: `goaway`, `end-sse` or `close-ws`. */
export const FAREWELL_SENT = 16;
/** Its open was counted without a clock (tally.ts): `opened` is the first stepped time after it, a lower bound. */
export const OPENED_UNTIMED = 32;

/** One tracked connection, request, SSE stream or WebSocket. Kept small: there may be 100k of them. */
export interface Entity {
  readonly kind: Kind;
  state: ConnState;
  /** Requests (HTTP/2: streams) in flight. */
  inflight: number;
  /** When its last response ended, or when it opened. */
  last: number;
  /** When it opened (see `OPENED_UNTIMED`): the age of a forced item. */
  readonly opened: number;
  flags: number;
  /** For `sse` and `ws`: the connection it runs on, or -1 when unknown. */
  readonly conn: Id;
}

/** Counters that become the report. Every one is bumped next to the command it counts. */
export interface Stats {
  closedIdle: number;
  closedNeverUsed: number;
  closedAfterResponse: number;
  forced: number;
  sseEnded: number;
  sseForced: number;
  wsClosed: number;
  /** WebSockets cut because they did not answer the close within `wsCloseTimeoutMs`: the protocol's normal path, not a force. */
  wsCutAfterCloseTimeout: number;
  wsForced: number;
  requestsDuringShutdown: number;
}

/**
 * Everything the machine remembers. `step` updates it in place and hands it back (copying 100k connections per
 * event would defeat the point); treat it as owned by the machine and read it through `counts`, `phase` and
 * `nextDeadline`.
 */
export interface State {
  readonly options: ResolvedOptions;
  phase: Phase;
  mode: Mode;
  reason: string;
  escalated: boolean;
  readonly entities: Map<Id, Entity>;
  /** Request entities counted while serving without a step (see tally.ts); folded into `entities` before any step. */
  readonly tallies: Map<Id, number>;
  readonly timers: TimerQueue;
  /** The generator state for jitter; seeded by the shutdown input. */
  rng: number;
  /** The latest `now` seen; time never moves backwards inside the machine. */
  now: number;
  requestedAt: number;
  /** During notify: when to look again whether it is over (its end, or the earliest it can be; see notify.ts). */
  notifyUntil: number;
  /** The notify phase's arrivals and how it ended (notify.ts). */
  readonly notify: NotifyState;
  /** When the listener closes during the drain: at once, or one keep-alive grace in where connections cannot be closed one by one. */
  listenerCloseAt: number;
  forceAt: number;
  budgetEnd: number;
  progressAt: number;
  stoppedAccepting: boolean;
  /** The listener is really closed: no connection can turn up any more. */
  listenerClosed: boolean;
  signalled: boolean;
  /** The first crash's error text (a shutdown input with `error`), once there was one; see crash.ts. */
  crashError: string | undefined;
  /** The app said it is ready (or started so, `startReady`). Readiness is this while serving; see readiness.ts. */
  ready: boolean;
  hooks: readonly HookSpec[];
  hookIndex: number;
  hookStartedAt: number;
  hookDeadline: number;
  readonly hookReports: HookReport[];
  readonly phaseLog: { phase: Phase; at: number }[];
  readonly stats: Stats;
  /** What was forced, up to `FORCED_ITEMS_LIMIT` (forced-items.ts). */
  readonly forcedItems: ForcedItem[];
}

/**
 * The machine's starting state. Validates the options and throws a `DrainError` on any mistake.
 *
 * @example
 * ```ts
 * const s0 = initial({ timeoutMs: 10_000, capabilities: { closeConnection: true, forceConnection: true,
 *   seesNeverUsed: true, goaway: true, connectionClose: true } });
 * ```
 */
export function initial(options: Options): State {
  return {
    options: resolveOptions(options),
    phase: "serving",
    mode: "graceful",
    reason: "",
    escalated: false,
    entities: new Map(),
    tallies: new Map(),
    timers: new TimerQueue(),
    rng: 0,
    now: Number.NEGATIVE_INFINITY,
    requestedAt: 0,
    notifyUntil: 0,
    notify: createNotifyState(),
    listenerCloseAt: 0,
    forceAt: 0,
    budgetEnd: 0,
    progressAt: 0,
    stoppedAccepting: false,
    listenerClosed: false,
    signalled: false,
    crashError: undefined,
    ready: options.startReady !== false,
    hooks: [],
    hookIndex: 0,
    hookStartedAt: 0,
    hookDeadline: 0,
    hookReports: [],
    phaseLog: [],
    stats: {
      closedIdle: 0,
      closedNeverUsed: 0,
      closedAfterResponse: 0,
      forced: 0,
      sseEnded: 0,
      sseForced: 0,
      wsClosed: 0,
      wsCutAfterCloseTimeout: 0,
      wsForced: 0,
      requestsDuringShutdown: 0,
    },
    forcedItems: [],
  };
}
