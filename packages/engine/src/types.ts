import type {
  Capabilities,
  CloseCommand,
  Counts,
  DestroyCommand,
  ForceRemainingCommand,
  GoawayCommand,
  HookReport,
  Id,
  Input,
  MarkClosingCommand,
  Mode,
  Options as CoreOptions,
  Phase,
  Report,
  Served,
  StopAcceptingCommand,
} from "@drain/core";
import type { ControlAudit, ControlEndpoint, ControlHandler, ControlListener, ControlListenerEvents, ControlOptions } from "./control/types.ts";

/** The connection commands an adapter carries out. SSE and WebSocket commands stay in the engine. */
export type ConnectionCommand =
  | StopAcceptingCommand
  | MarkClosingCommand
  | CloseCommand
  | GoawayCommand
  | DestroyCommand
  | ForceRemainingCommand;

/** The signals drain listens to by default. */
export type SignalName = "SIGTERM" | "SIGINT" | "SIGHUP" | "SIGQUIT";

/** Where an uncaught error came from: a throw nothing caught, or a rejected promise nothing handled. */
export type CrashOrigin = "uncaughtException" | "unhandledRejection";

/**
 * What an adapter gives the engine: its runtime's abilities and a way to act on them.
 * The engine decides nothing about connections itself; it passes the core's commands here.
 */
export interface RuntimeBinding {
  /** `"node"`, `"bun"` or `"deno"`: shown in logs and reports. */
  readonly runtime: string;
  readonly capabilities: Capabilities;
  /** This process's id, reported by the control endpoint (a client waits for it to be gone). */
  readonly pid?: number;
  /** Carry out one connection command. Throwing is reported as an `error` event and never stops the shutdown. */
  execute(command: ConnectionCommand): void;
  /** Listen to an OS signal; returns the function that stops listening. */
  onSignal(signal: SignalName, listener: () => void): () => void;
  /**
   * Listen to uncaught errors (Node, Bun: `uncaughtException` and `unhandledRejection`; Deno: the global `error`
   * and `unhandledrejection` events) in a way that keeps the process alive while the crash drains. Returns the
   * function that stops listening, after which the runtime's own behaviour (print and exit) is back. Only called
   * with the `crash` option; an adapter without it rejects that option.
   */
  onCrash?(listener: (error: unknown, origin: CrashOrigin) => void): () => void;
  /** End the process with this code. */
  exit(code: number): void;
  /** After the report and before the exit: release whatever the runtime still holds (listener, invisible sockets). */
  finish?(report: Report): void | Promise<void>;
  /**
   * The connection a request object arrived on, for adapters that can tell from the request itself: then
   * `track.idOf` needs no `track.bind` per request, which costs a WeakMap entry on every request.
   */
  connectionOf?(request: object): Id | undefined;
  /**
   * The engine is built: here is what the adapter feeds its connections' lives into. Called once, last thing in
   * `createEngine`, so a binding needs no field assigned after construction.
   */
  start?(track: Tracker): void;
  /**
   * Hand to the core what the adapter kept on its own records while serving (through `track.served`), so the core
   * acts on the whole picture. The engine calls it with `next`, the input about to be stepped, before every input it
   * steps while serving (only those for which the core's `readsServed` holds need the records); with no argument
   * right after the step that ends serving (from then on the adapter feeds every request again) and before
   * `counts()`, which reads the records too.
   */
  settle?(next?: Input): void;
  /** Remove every listener and wrapper the adapter added. Called by `engine.dispose()`. */
  dispose?(): void;
  /**
   * Start the control endpoint's listener (only called when the `control` option is set; an adapter without
   * it rejects that option). Its connections are not the drained server's: they are neither tracked nor drained.
   * The engine closes it last, after the report line was written.
   */
  serveControl?(endpoint: ControlEndpoint, handler: ControlHandler, events: ControlListenerEvents): ControlListener;
  /**
   * Send one sd_notify message (`KEY=VALUE` lines) to the systemd socket `socket` (from `NOTIFY_SOCKET`). Only
   * called when that variable is set. A rejection is reported once, after which nothing more is sent.
   */
  notifySupervisor?(socket: string, message: string): void | Promise<void>;
  /**
   * What the adapter knows about tracked connection or request `id`, asked at force time only (before the force
   * is carried out), so nothing is computed while serving. Leave out what the runtime cannot tell without
   * per-request work. For the connection an SSE stream or WebSocket runs on, `request` is the request it was opened
   * with, when the engine has it (an adapter may find its record by it). Throwing is reported and leaves the item
   * undescribed.
   */
  describe?(id: Id, request?: object): ForcedDetails | undefined;
  /**
   * What keeps the event loop alive, one kind per resource (Node's `process.getActiveResourcesInfo()`), or
   * `undefined` when the runtime cannot tell. Asked only after the report,
   * when the process is still running (`exit: false`).
   */
  activeResources?(): ActiveResources | undefined;
}

/** What a runtime names as keeping its event loop alive. */
export interface ActiveResources {
  /** One entry per resource, by kind (`Timeout`, `TCPSocketWrap`, `TCPServerWrap`, …). */
  readonly kinds: readonly string[];
  /** What the list cannot show on this runtime, in a few words (Deno: its own `Deno.*` sockets and servers). */
  readonly unseen?: string;
}

/** What an adapter (or the engine, for SSE streams and WebSockets) can tell about a forced item. */
export interface ForcedDetails {
  /** `address:port` of the client. */
  readonly peer?: string;
  readonly method?: string;
  /** Path and query. */
  readonly path?: string;
  /** Bytes written so far (what they count is the adapter's to document). */
  readonly bytesSent?: number;
}

/** Any logger with these three methods fits (console, pino, …). */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** What to do with the process once the shutdown is done. */
export interface ExitPolicy {
  /** Exit code after a clean shutdown. Default 0. */
  readonly clean?: number;
  /** Exit code when something had to be forced or a hook failed. Default 1. */
  readonly forced?: number;
  /** Exit code after a crash (the `crash` option), however its drain went. Default 70 (`EX_SOFTWARE`). */
  readonly crashed?: number;
}

/** How an uncaught error is drained (the `crash` option). */
export interface CrashOptions {
  /** The crash's own budget, from the error to the exit: work in flight, hooks and all. Default 5000 ms. */
  readonly timeoutMs?: number;
}

/** Options shared by every adapter (`@drain/node`, `@drain/bun`, `@drain/deno`). */
export interface DrainOptions extends Omit<CoreOptions, "capabilities"> {
  /** Signals that start a graceful shutdown; a second one forces. `false` installs no listener. Default `["SIGTERM", "SIGINT"]`. */
  readonly signals?: readonly SignalName[] | false;
  /** Exit codes, or `false` to leave the process alone. Default `{ clean: 0, forced: 1, crashed: 70 }`. */
  readonly exit?: ExitPolicy | false;
  /**
   * Drain on an uncaught exception or unhandled rejection instead of dying at once: log it, fail readiness, give
   * work in flight `timeoutMs` (SSE last frames, WebSocket 1001s and hooks included; the hooks get the error), write
   * the report with the error, and exit with `exit.crashed`. A second error during it forces at once. During a
   * shutdown already running the budget shrinks to the crash budget when that ends sooner. Off by default: the
   * runtime's own behaviour (print and exit 1) is left alone.
   *
   * @example
   * ```ts
   * drain(server, { crash: { timeoutMs: 3_000 } });
   * ```
   */
  readonly crash?: boolean | CrashOptions;
  /** Where progress lines go. `false` silences them. Default: short lines on stderr. */
  readonly logger?: Logger | false;
  /** Mode used when a signal starts the shutdown. Default `"graceful"`. */
  readonly mode?: Mode;
  /** Environment read for defaults (`KUBERNETES_SERVICE_HOST` makes `notifyMs` default to 5 s). Adapters pass their runtime's env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * A local control endpoint (`GET /status`, `GET /metrics`, `POST /shutdown` answering until the shutdown is done)
   * on a Unix socket or a loopback TCP port, for supervisors and `drain stop --wait`. Off by default.
   */
  readonly control?: ControlOptions;
  /**
   * With `exit: false`, how long after the report drain looks once at what still holds the process and says so (a
   * log line and a `still-running` event); `false` never looks. Default 2000 ms.
   */
  readonly stillRunningAfterMs?: number | false;
}

/**
 * Cleanup hook function: gets an AbortSignal that fires at its timeout and, when an uncaught error (the `crash`
 * option) started or cut short the shutdown, that error.
 *
 * @example
 * ```ts
 * d.onShutdown("flush", async ({ signal, error }) => {
 *   if (error !== undefined) await errorTracker.capture(error);
 *   await queue.flush({ signal });
 * });
 * ```
 */
export type HookFunction = (context: HookContext) => unknown;

/** What a cleanup hook is called with. */
export interface HookContext {
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  /** The uncaught error of a crash (the `crash` option); absent for a shutdown asked for by a signal or a call. */
  readonly error?: unknown;
}

export interface HookOptions {
  /** Lower runs first. Default 0; equal orders run in registration order. */
  readonly order?: number;
  /** Default 5000 ms, never more than what is left of the budget. */
  readonly timeoutMs?: number;
}

/** Events the engine emits. */
export interface EngineEvents {
  phase: { readonly phase: Phase; readonly at: number };
  /** The listener is closed: from now on new connections are refused. */
  "listener-closed": { readonly at: number };
  progress: { readonly counts: Counts; readonly msToDeadline: number };
  forced: { readonly id?: Id; readonly kind: string; readonly why: string };
  hook: HookReport;
  report: Report;
  error: { readonly error: unknown; readonly context: string };
  /** The control endpoint listens at `address` (`unix:/path` or `http://127.0.0.1:port`). */
  control: { readonly address: string };
  /** One control request: who, what, and how it was answered. */
  audit: ControlAudit;
  /**
   * The process is still running `afterMs` after the report (with `exit: false`, or something delayed the exit):
   * `holders` are the kinds of what keeps its event loop alive (`undefined` where the runtime cannot tell).
   */
  "still-running": { readonly afterMs: number; readonly holders: readonly string[] | undefined; readonly unseen?: string };
}

/** One SSE message. `data` may hold newlines; each becomes its own `data:` line. */
export interface SseMessage {
  readonly data: string;
  readonly event?: string;
  readonly id?: string;
  readonly retry?: number;
}

/** The writable side of an engine-owned SSE stream. */
export interface SseStream {
  /** Queue one message. Returns false once the stream has ended. */
  send(message: SseMessage): boolean;
  /** Write a comment line (`: text`), for keep-alives. */
  comment(text: string): boolean;
  /** Write raw text as it is (the caller frames it). For framework helpers whose API has a raw `write`. */
  write(text: string): boolean;
  /** End the stream cleanly. */
  close(): void;
  /** Aborts when the stream ends for any reason: client gone, drain, close. */
  readonly signal: AbortSignal;
  /** The `Last-Event-ID` the client sent, if any. */
  readonly lastEventId: string | undefined;
}

export interface SseOptions {
  /** The request being answered: gives `Last-Event-ID` and ties the stream to its connection. */
  readonly request?: Request | { readonly headers: Headers | Record<string, string | string[] | undefined> };
  /** Comment heartbeat period. Default 15000 ms; 0 turns it off. */
  readonly heartbeatMs?: number;
  /** Extra response headers. */
  readonly headers?: Record<string, string>;
}

/** Anything that can be closed with a code and terminated: `ws`'s WebSocket, Bun's ServerWebSocket, Deno's WebSocket. */
export interface ClosableSocket {
  close(code?: number, reason?: string): void;
  /** Kill the connection without a handshake. Optional: without it a second `close()` is the best effort. */
  terminate?(): void;
}

/** What an adapter feeds the engine about connections and requests. Every method is cheap and synchronous. */
export interface Tracker {
  /** A connection was accepted (`http1`, `http2`) or a request began on a runtime that hides connections (`request`). Returns its id. */
  open(kind: "http1" | "http2" | "request"): Id;
  /**
   * A fresh id, not yet known to the core. With `opened`, the two steps of `open`: an adapter registers the
   * connection under the id first, so any command the core answers the open with (a `close` during the drain)
   * finds it, and nothing has to be held back.
   */
  allocate(): Id;
  /** The connection registered under `id` (from `allocate`) is open. */
  opened(id: Id, kind: "http1" | "http2" | "request"): void;
  /** A request (HTTP/2: a stream) began on connection `id`. */
  request(id: Id): void;
  /** A response on `id` finished or was aborted; `closing` when it carried `Connection: close`. */
  responseEnd(id: Id, closing: boolean): void;
  /** Connection `id` was taken over by another protocol. */
  upgrade(id: Id): void;
  /** `id` is gone. */
  closed(id: Id): void;
  /** The listener is really closed (for adapters whose capabilities say `reportsListenerClosed`). */
  listenerClosed(): void;
  /** Whether the core is still serving: while it is, an adapter may count HTTP/1 requests itself (see `served`). */
  readonly serving: boolean;
  /**
   * Hand over what was counted on HTTP/1 connection `id` while serving (the core's `countRequest` /
   * `countResponseEnd`); false when the core no longer takes it (not serving, unknown, upgraded). For `settle`.
   */
  served(id: Id, served: Served): boolean;
  /**
   * Open HTTP/1 connection `id` (from `allocate`), accepted at `opened` (on `now()`'s time line), with the state the
   * adapter read, without an input: for a connection accepted while serving that the adapter told the core nothing
   * about yet (the core's `adoptServed`). Works from `settle`, where an `opened` would be stepped only after the
   * input the engine is about to step. False when the core no longer takes it (not serving, or `id` known): use
   * `opened` then.
   */
  adopt(id: Id, served: Served, opened: number): boolean;
  /**
   * Hand over request entity `id` (from `allocate`), which began while serving and whose response has not ended:
   * an adapter that keeps its in-flight requests itself (Bun) calls it from `settle` for each, and from then on
   * feeds that request's end (`responseEnd`, `closed`). False when the core no longer takes it (not serving, or `id`
   * already known): feed it with `opened` and `request` then.
   */
  inFlight(id: Id): boolean;
  /** The engine's clock, on the core's time line: when an adapter's swept response ends count as ended. */
  now(): number;
  /** Remember which connection a request object belongs to, so `sse()` and `websocket()` can find it. */
  bind(request: object, id: Id): void;
  /** The connection id a request object was bound to. */
  idOf(request: object): Id | undefined;
}

/** A running drain: one per server. */
export interface Engine {
  /** Fires when the drain starts (and at once on an immediate stop). Hand it to handlers and long jobs. */
  readonly signal: AbortSignal;
  /** The current phase. */
  readonly phase: Phase;
  /** What is open right now. */
  counts(): Counts;
  /** Milliseconds left until whatever remains is forced; `undefined` while serving. */
  msToDeadline(): number | undefined;
  /**
   * Start the shutdown. A second call while one runs joins it and resolves with the same report; only
   * `{ mode: "immediate" }` escalates it (force what remains now, skip the cleanup hooks left), as a second signal
   * does. `timeoutMs` replaces the configured budget for this shutdown: whatever remains that long from now is
   * forced. Resolves with the final report once everything is stopped; rejects only when the options are invalid
   * or the drain was disposed.
   *
   * @example
   * ```ts
   * process.on("SIGTERM", () => void engine.shutdown({ reason: "SIGTERM" })); // joins drain's own, if any
   * await engine.shutdown({ mode: "immediate" }); // escalates a running shutdown
   * ```
   */
  shutdown(options?: { readonly mode?: Mode; readonly reason?: string; readonly timeoutMs?: number }): Promise<Report>;
  /** Resolves with the final report, however the shutdown was started. */
  readonly stopped: Promise<Report>;
  /** Register a cleanup hook; returns the function that removes it. */
  onShutdown(name: string, hook: HookFunction, options?: HookOptions): () => void;
  /** Listen to an event; returns the function that stops listening. */
  on<E extends keyof EngineEvents>(event: E, listener: (payload: EngineEvents[E]) => void): () => void;
  /**
   * Readiness probe: 200 while serving and ready, 503 from the moment shutdown is requested, and 503 ("starting")
   * before `ready()` when the drain was created with `startReady: false`. Pass the request (a web `Request`, or
   * Node's `IncomingMessage`) so that, during an adaptive notify, the probe is not counted as traffic.
   *
   * @example
   * ```ts
   * if (pathname === "/ready") return d.readiness(request);
   * ```
   */
  readiness(request?: object): Response;
  /**
   * The app is ready for traffic: with `startReady: false`, readiness answers 200 from now on (until a shutdown).
   * Idempotent. Called after a shutdown was requested it changes nothing: readiness stays 503. A shutdown that
   * starts before `ready()` drains as usual.
   *
   * @example
   * ```ts
   * const d = drain(server, { startReady: false });
   * await warmCaches();
   * d.ready(); // GET /ready: 503 "starting" until here, 200 from here
   * ```
   */
  ready(): void;
  /** Liveness probe: 200 until the process exits. Pass the request, as for `readiness`. */
  liveness(request?: object): Response;
  /**
   * An SSE response whose stream the engine owns: on drain it gets a last frame with a jittered
   * `retry:` and a clean end. During the drain a new stream is answered 200 with `retry:` and ended at once.
   */
  sse(start: (stream: SseStream) => void | Promise<void>, options?: SseOptions): Response;
  /** Register a WebSocket so that it gets 1001 on drain and is terminated at the close timeout. Call `closed()` when it closes. */
  websocket(socket: ClosableSocket, options?: { readonly request?: object }): { closed(): void };
  /** What adapters feed. */
  readonly track: Tracker;
  /**
   * Remove every listener and timer. The engine is unusable after. Called during a shutdown, it ends that shutdown
   * first, as `shutdown({ mode: "immediate" })` would, then skips the hooks left: `stopped` resolves with the
   * report and the process exits with the forced code (unless `exit: false`).
   */
  dispose(): void;
}
