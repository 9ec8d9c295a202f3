/**
 * The contract of the core: what goes in, what comes out, what it remembers.
 * Every input carries `now` (milliseconds on any monotonic clock the caller picks);
 * the core never reads a clock, never schedules, never draws random numbers itself.
 */

/** Identifies one tracked thing: a connection, an HTTP/2 session, a request, an SSE stream or a WebSocket. */
export type Id = number;

/** How the server is asked to stop. */
export type Mode = "graceful" | "lameduck" | "immediate";

/** Server phases, in the only order they can happen (a phase may be skipped, never revisited). */
export type Phase = "serving" | "notify" | "drain" | "force" | "cleanup" | "stopped";

/**
 * What a tracked id is.
 * - `http1`: an HTTP/1.1 connection (socket) the adapter can see from accept on.
 * - `http2`: an HTTP/2 session; its requests are streams.
 * - `request`: one request on a runtime that hides connections (Bun, Deno); it lives from request to response end.
 * - `sse`: a server-sent-events stream owned by the engine.
 * - `ws`: a WebSocket.
 */
export type Kind = "http1" | "http2" | "request" | "sse" | "ws";

/** Where a connection is in its life. Closed ones are forgotten. */
export type ConnState = "never-used" | "active" | "idle" | "upgraded" | "open" | "closing";

/** What the adapter's runtime can do. The core never emits a command an adapter said it cannot execute. */
export interface Capabilities {
  /** Close one particular idle or never-used connection (Node: yes; Bun, Deno: no, their stop does it). */
  readonly closeConnection: boolean;
  /** Destroy one particular connection at once (Node: yes; Bun, Deno: only everything at once). */
  readonly forceConnection: boolean;
  /**
   * Connections are seen from accept, before any request (Node: yes; Bun, Deno: no). Describes the adapter's
   * tracking only: the machine does not read it, so it may be left out.
   */
  readonly seesNeverUsed?: boolean;
  /** HTTP/2 sessions can be sent GOAWAY and closed after their streams (Node: yes). */
  readonly goaway: boolean;
  /** A `Connection: close` header can be put on a response that has not started (all three). */
  readonly connectionClose: boolean;
  /**
   * The adapter closes the listener a moment after `stop-accepting` (so connections already waiting in the accept
   * queue are taken and drained, not reset) and feeds `listener-closed` once it has; the drain does not end
   * before that. Default false: the listener counts as closed when `stop-accepting` is carried out.
   */
  readonly reportsListenerClosed?: boolean;
}

/** A cleanup hook as the core sees it: a name, an order and a timeout. The function itself stays with the engine. */
export interface HookSpec {
  readonly name: string;
  /** Lower runs first; equal orders keep registration order. */
  readonly order: number;
  readonly timeoutMs: number;
}

/** Durations and knobs. Every one has a default; see `DEFAULTS`. */
export interface Options {
  /**
   * Time between the shutdown request and the drain, with readiness failing and everything else served. A number
   * is a fixed delay (default 0). `{ minMs, quietMs, maxMs }` is adaptive: notify lasts until no new connection or
   * request (probes aside) has arrived for `quietMs` (default 1000), at least `minMs` (default 1000) and at most
   * `maxMs` (default 10000, or half of `timeoutMs` when that is less; must be under `timeoutMs`).
   */
  readonly notifyMs?: number | AdaptiveNotify;
  /** The whole budget, from shutdown request to stopped. What remains at `timeoutMs − hook reserve` is forced. */
  readonly timeoutMs?: number;
  /** The most of the budget kept back at its end for cleanup hooks: no more than the hooks' timeouts add up to, and never more than half of the time after notify. */
  readonly cleanupMs?: number;
  /** How long a WebSocket has to answer our 1001 close before it is terminated. */
  readonly wsCloseTimeoutMs?: number;
  /** A connection that finished a response this recently is not closed under its client; its next request gets `Connection: close`. */
  readonly keepAliveGraceMs?: number;
  /** In `lameduck` mode, SSE and WebSocket closes are spread over this window (at most half of the drain window). */
  readonly lameduckWindowMs?: number;
  /** The `retry:` hint of the last SSE frame is drawn uniformly from this range, so clients do not reconnect all at once. */
  readonly sseRetryMs?: readonly [min: number, max: number];
  /** How often a `progress` command is emitted while draining. */
  readonly progressEveryMs?: number;
  /**
   * Whether readiness answers 200 from the start. `false`: it answers 503 ("starting") until the app feeds `ready`
   * (caches warm, migrations done); liveness is 200 either way. Default true.
   */
  readonly startReady?: boolean;
  /** What the adapter can do. */
  readonly capabilities: Capabilities;
}

/** The adaptive form of `notifyMs`; every field is optional (see `Options.notifyMs`). */
export interface AdaptiveNotify {
  /** Notify lasts at least this long, even with no traffic: a balancer that has not polled yet must see the 503. */
  readonly minMs?: number;
  /** Notify ends once no new connection or request has arrived for this long. More than 0. */
  readonly quietMs?: number;
  /** Notify lasts at most this long, however much traffic still arrives. At least `minMs`, under `timeoutMs`. */
  readonly maxMs?: number;
}

/** How the notify phase is configured, resolved. */
export type ResolvedNotify =
  | { readonly kind: "fixed"; readonly ms: number }
  | { readonly kind: "adaptive"; readonly minMs: number; readonly quietMs: number; readonly maxMs: number };

/** Options with every default filled in. */
export interface ResolvedOptions {
  /** The fixed delay, or the adaptive form's `maxMs` (the longest notify can last). */
  readonly notifyMs: number;
  /** How notify ends: after a fixed delay, or adaptively. */
  readonly notify: ResolvedNotify;
  readonly timeoutMs: number;
  readonly cleanupMs: number;
  readonly wsCloseTimeoutMs: number;
  readonly keepAliveGraceMs: number;
  readonly lameduckWindowMs: number;
  readonly sseRetryMs: readonly [number, number];
  readonly progressEveryMs: number;
  readonly startReady: boolean;
  readonly capabilities: Capabilities;
}

// --- inputs ---

/** A connection was accepted (`http1`, `http2`) or a request began on a runtime without connection handles (`request`). */
export interface OpenInput { readonly type: "open"; readonly id: Id; readonly kind: "http1" | "http2" | "request"; readonly now: number }
/** A request (an HTTP/2 stream, for `http2`) started on connection `id`. */
export interface RequestInput { readonly type: "request"; readonly id: Id; readonly now: number }
/**
 * A response on connection `id` finished or was aborted.
 * `closing` says the response carried `Connection: close`, so the runtime closes the connection itself.
 */
export interface ResponseEndInput { readonly type: "response-end"; readonly id: Id; readonly closing: boolean; readonly now: number }
/** Connection `id` left HTTP (a WebSocket or another protocol took it over). */
export interface UpgradeInput { readonly type: "upgrade"; readonly id: Id; readonly now: number }
/** An engine-owned SSE stream (`sse`) or a WebSocket (`ws`) opened, on connection `conn` when the adapter knows it. */
export interface StreamOpenInput { readonly type: "stream-open"; readonly id: Id; readonly kind: "sse" | "ws"; readonly conn?: Id; readonly now: number }
/** Anything tracked closed, for whatever reason. */
export interface ClosedInput { readonly type: "closed"; readonly id: Id; readonly now: number }
/**
 * Shutdown requested. A second request while one is under way escalates to `immediate`.
 * `seed` feeds the jitter (retry hints, lame duck spread); `hooks` are the cleanup hooks registered now.
 */
export interface ShutdownInput {
  readonly type: "shutdown";
  readonly mode: Mode;
  readonly reason: string;
  readonly seed: number;
  readonly hooks: readonly HookSpec[];
  /**
   * This shutdown's budget, from now to stopped, instead of `options.timeoutMs` (the control endpoint's
   * `POST /shutdown {"timeoutMs": …}`). A finite number ≥ 0; notify is cut short when it would not fit.
   */
  readonly timeoutMs?: number;
  /**
   * Set when this request is a crash: the uncaught error's text, with `timeoutMs` the crash budget. While serving
   * the drain starts at once (no notify); during a running shutdown the budget shrinks to the crash budget from
   * now when that ends sooner; a second crash forces at once. The report keeps the first error.
   */
  readonly error?: string;
  readonly now: number;
}
/** The listener is really closed (only fed by adapters whose capabilities say `reportsListenerClosed`). */
export interface ListenerClosedInput { readonly type: "listener-closed"; readonly now: number }
/**
 * The request on `id` is a readiness or liveness probe, not traffic: during an adaptive notify its arrival does not
 * hold the quiet window open (balancers keep polling a server they have marked down).
 */
export interface ProbeInput { readonly type: "probe"; readonly id: Id; readonly now: number }
/** Time passed; the caller feeds this when `nextDeadline` is reached. Any input moves time forward too. */
export interface TickInput { readonly type: "tick"; readonly now: number }
/**
 * The app is ready to take traffic (`startReady: false`): readiness answers 200 while serving. Idempotent; after a
 * shutdown was requested it changes nothing that can be seen (readiness stays failed).
 */
export interface ReadyInput { readonly type: "ready"; readonly now: number }
/** The running cleanup hook finished (`error` set when it threw or rejected). */
export interface HookDoneInput { readonly type: "hook-done"; readonly name: string; readonly error?: string; readonly now: number }

export type Input =
  | OpenInput
  | RequestInput
  | ResponseEndInput
  | UpgradeInput
  | StreamOpenInput
  | ClosedInput
  | ShutdownInput
  | ListenerClosedInput
  | TickInput
  | HookDoneInput
  | ReadyInput
  | ProbeInput;

// --- commands ---

/** The server entered `phase` at `at`. */
export interface PhaseCommand { readonly type: "phase"; readonly phase: Phase; readonly at: number }
/** Stop accepting new connections (close the listener). Emitted once. */
export interface StopAcceptingCommand { readonly type: "stop-accepting" }
/** Fire the shutdown AbortSignal handed to handlers. Emitted once, when the drain starts. */
export interface AbortSignalCommand { readonly type: "abort-signal"; readonly reason: string }
/** Put `Connection: close` on the connection's current response (if not started) and on any later one. */
export interface MarkClosingCommand { readonly type: "mark-closing"; readonly id: Id }
/** Close this connection now; nothing is in flight on it. Terminal. */
export interface CloseCommand { readonly type: "close"; readonly id: Id; readonly why: "idle" | "never-used" | "after-response" }
/** HTTP/2: send GOAWAY and close the session once its open streams end. */
export interface GoawayCommand { readonly type: "goaway"; readonly id: Id }
/** Write the last SSE frame with this `retry:` hint, then end the stream cleanly. */
export interface EndSseCommand { readonly type: "end-sse"; readonly id: Id; readonly retryMs: number }
/** Start the WebSocket close handshake with 1001 Going Away. */
export interface CloseWebSocketCommand { readonly type: "close-ws"; readonly id: Id; readonly code: 1001 }
/** Destroy this one thing now (socket, session, SSE stream or WebSocket). Terminal. */
export interface DestroyCommand { readonly type: "destroy"; readonly id: Id; readonly why: "deadline" | "immediate" | "ws-close-timeout" }
/** Force whatever the runtime still holds (for runtimes that cannot destroy one connection). `count` tracked ones remain. */
export interface ForceRemainingCommand { readonly type: "force-remaining"; readonly count: number }
/** Run cleanup hook `name`; report back with `hook-done`. The core times it out at `timeoutMs`. */
export interface RunHookCommand { readonly type: "run-hook"; readonly name: string; readonly timeoutMs: number }
/** A progress snapshot while draining. */
export interface ProgressCommand { readonly type: "progress"; readonly counts: Counts; readonly msToDeadline: number }
/** Everything is done; this is the final report. Emitted once. */
export interface StoppedCommand { readonly type: "stopped"; readonly report: Report }

export type Command =
  | PhaseCommand
  | StopAcceptingCommand
  | AbortSignalCommand
  | MarkClosingCommand
  | CloseCommand
  | GoawayCommand
  | EndSseCommand
  | CloseWebSocketCommand
  | DestroyCommand
  | ForceRemainingCommand
  | RunHookCommand
  | ProgressCommand
  | StoppedCommand;

// --- observations ---

/** What is open right now, by kind. */
export interface Counts {
  readonly neverUsed: number;
  readonly idle: number;
  /** Connections with a request in flight (HTTP/1.1 and HTTP/2 sessions, and requests on Bun/Deno). */
  readonly active: number;
  /** Requests (and HTTP/2 streams) in flight. */
  readonly requests: number;
  readonly upgraded: number;
  readonly closing: number;
  readonly sse: number;
  readonly websockets: number;
}

export type HookResult = "ok" | "error" | "timeout" | "skipped";

export interface HookReport {
  readonly name: string;
  readonly result: HookResult;
  readonly durationMs: number;
  readonly error?: string;
}

export interface PhaseReport {
  readonly phase: Phase;
  readonly startedAt: number;
  readonly durationMs: number;
}

/** What happened, from the shutdown request to the stop. */
export interface Report {
  readonly mode: Mode;
  readonly reason: string;
  /** True when nothing had to be forced and no hook failed or timed out. */
  readonly clean: boolean;
  /** True when a second request turned the shutdown into `immediate`. */
  readonly escalated: boolean;
  readonly requestedAt: number;
  readonly stoppedAt: number;
  readonly durationMs: number;
  readonly phases: readonly PhaseReport[];
  readonly connections: {
    readonly closedIdle: number;
    readonly closedNeverUsed: number;
    readonly closedAfterResponse: number;
    readonly forced: number;
  };
  readonly sse: { readonly ended: number; readonly forced: number };
  /**
   * `closed`: sent 1001. `cutAfterCloseTimeout`: of those, cut because the client did not answer the close within
   * `wsCloseTimeoutMs`; RFC 6455 §7.1.1 lets the server close the connection then, so this is not a force and the
   * shutdown stays clean. `forced`: cut by the deadline, a second signal or `immediate`.
   */
  readonly websockets: { readonly closed: number; readonly cutAfterCloseTimeout: number; readonly forced: number };
  /** Requests that started after the shutdown was requested (notify and drain). */
  readonly requestsDuringShutdown: number;
  readonly hooks: readonly HookReport[];
  /** Present when an uncaught error (a crash) started this shutdown or cut it short: that error's text. */
  readonly error?: string;
  /**
   * What the deadline, a second request or `immediate` forced, oldest first, at most `FORCED_ITEMS_LIMIT` of them
   * (the rest are counted in `forcedItemsLeftOut`). Cuts after an unanswered WebSocket close are not forces.
   */
  readonly forcedItems: readonly ForcedItem[];
  /** Forced items beyond `FORCED_ITEMS_LIMIT`, counted but not listed. */
  readonly forcedItemsLeftOut: number;
  /** How the notify phase went; absent when there was none (`notifyMs` 0, or an immediate shutdown). */
  readonly notify?: NotifyReport;
}

/**
 * One thing that was forced. The core knows its kind and age; the engine adds what the adapter can tell about it
 * at force time (`peer`, `method`, `path`, `bytesSent`), each only where the runtime knows it without per-request work.
 */
export interface ForcedItem {
  readonly id: Id;
  readonly kind: Kind;
  /** Milliseconds from its open to the force. A lower bound when `ageIsLowerBound` (see there). */
  readonly ageMs: number;
  /**
   * True for a request on a runtime that hides connections (Bun, Deno), which is counted without reading a clock
   * while serving: its age counts from the first event the core stepped after it opened (at the latest, the
   * shutdown request), so it ran at least `ageMs`.
   */
  readonly ageIsLowerBound: boolean;
  /** `address:port` of the client, when the adapter knows it. */
  readonly peer?: string;
  /** The request's method (for a connection: its newest request in flight). */
  readonly method?: string;
  /** The request's path and query (SSE, WebSocket: the path they were opened on). */
  readonly path?: string;
  /** Bytes written so far; what they count depends on the runtime (see the adapter's README). */
  readonly bytesSent?: number;
}

/**
 * What ended the notify phase. `quiet`: no new connection or request for `quietMs`. `min`: traffic was already
 * quiet when `minMs` passed. `max`: traffic never went quiet before `maxMs`. `fixed`: the fixed `notifyMs` passed.
 * `budget`: the shutdown's budget (its force deadline) cut it short. `escalated`: a second signal or an immediate
 * shutdown forced it. `crash`: an uncaught error (the `crash` option) started the drain at once.
 */
export type NotifyEnd = "quiet" | "min" | "max" | "fixed" | "budget" | "escalated" | "crash";

/** The report's account of the notify phase. Times are on the same clock as `requestedAt`. */
export interface NotifyReport {
  readonly kind: "fixed" | "adaptive";
  readonly endedBy: NotifyEnd;
  readonly startedAt: number;
  readonly durationMs: number;
  /** New connections, requests and streams seen during notify, probes included. */
  readonly arrivals: number;
  /** Readiness and liveness probes answered during notify (not traffic). */
  readonly probes: number;
  /** When the latest new connection or request that was not a probe arrived; null when none did. */
  readonly lastArrivalAt: number | null;
}
