import {
  checkDuration,
  counts as countsOf,
  drainError,
  initial,
  nextDeadline,
  stepInto,
  type Command,
  type Id,
  type Input,
  type Mode,
  type Report,
} from "@drain/core";
import { attachControl, type AttachedControl } from "./control/attach.ts";
import { SupervisorNotifier } from "./control/systemd-notify.ts";
import { Emitter } from "./emitter.ts";
import { MODES, resolveEngineOptions } from "./engine-options.ts";
import { HookRegistry } from "./hooks.ts";
import { phaseLine, progressLine, summaryLine } from "./log-lines.ts";
import { livenessResponse, readinessResponse } from "./probes.ts";
import { SseRegistry } from "./sse.ts";
import type { DrainOptions, Engine, EngineEvents, RuntimeBinding, SignalName, Tracker } from "./types.ts";
import { WebSocketRegistry } from "./websockets.ts";

/** Clock and timer seams, for tests that drive time themselves. Production uses `performance.now` and `setTimeout`. */
export interface EngineClock {
  now(): number;
  setTimer(callback: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

const realClock: EngineClock = {
  now: () => performance.now(),
  setTimer: (callback, ms) => setTimeout(callback, ms),
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * How close two deliveries of the same signal are taken as one: a forwarded copy arrives within milliseconds, a person
 * pressing Ctrl-C again takes far longer.
 */
const DUPLICATE_SIGNAL_MS = 100;

type InputWithoutNow = Input extends infer I ? (I extends Input ? Omit<I, "now"> : never) : never;

/**
 * Run the core for one server. Adapters call this with their runtime binding; applications use the adapter's
 * `drain(...)`, which returns this engine with runtime extras.
 *
 * @example
 * ```ts
 * const engine = createEngine({ timeoutMs: 10_000 }, binding);
 * engine.onShutdown("db", () => pool.end(), { order: 1 });
 * engine.on("report", (report) => console.log(report.clean));
 * ```
 */
export function createEngine(options: DrainOptions, binding: RuntimeBinding, clock: EngineClock = realClock): Engine {
  if (binding === null || typeof binding !== "object" || typeof binding.execute !== "function") {
    throw drainError("ERR_DRAIN_INVALID_OPTION", "createEngine needs a runtime binding; use the adapter for your runtime (@drain/node, @drain/bun or @drain/deno).");
  }
  const settings = resolveEngineOptions(options, binding.capabilities);
  if (settings.control !== undefined && typeof binding.serveControl !== "function") {
    throw drainError("ERR_DRAIN_INVALID_OPTION", `the ${binding.runtime} adapter has no control endpoint; leave out the control option or use @drain/node, @drain/bun or @drain/deno.`);
  }
  const state = initial(settings.core);
  const log = settings.logger;
  const emitter = new Emitter<EngineEvents>((error) => reportError(error, "event listener"));
  const hooks = new HookRegistry();
  const shutdownController = new AbortController();
  const requestIds = new WeakMap<object, Id>();
  let nextId = 1;
  let disposed = false;
  let timer: unknown;
  let timerAt: number | undefined;
  let hookReportsSeen = 0;
  let runningHook: AbortController | undefined;
  let finalReport: Report | undefined;
  const queue: Input[] = [];
  const commands: Command[] = [];
  let feeding = false;

  let resolveStopped: (report: Report) => void = () => {};
  const stopped = new Promise<Report>((resolve) => {
    resolveStopped = resolve;
  });

  function reportError(error: unknown, context: string): void {
    if (log) log.error(`drain: ${context} failed: ${error instanceof Error ? error.message : String(error)}`);
    if (context !== "event listener") emitter.emit("error", { error, context });
  }

  const sse = new SseRegistry({
    allocate: () => nextId++,
    opened: (id, conn) => feed(conn === undefined ? { type: "stream-open", id, kind: "sse" } : { type: "stream-open", id, kind: "sse", conn }),
    closed: (id) => feed({ type: "closed", id }),
    connectionOf: (request) => (request === undefined ? undefined : requestIds.get(request)),
    reason: () => state.reason,
    error: reportError,
  });
  const websockets = new WebSocketRegistry(reportError);
  const supervisor = new SupervisorNotifier(
    settings.notifySocket,
    binding.notifySupervisor?.bind(binding),
    () => msToBudgetEnd() ?? 0,
    (error) => reportError(error, "notifying systemd"),
  );

  /**
   * Feed one input. Commands can cause inputs (ending a stream closes it): those queue up and run in order.
   * Runs twice per request, so it stays lean: the input is stamped with `now` in place (every caller passes a
   * fresh literal), because copying it with `{ ...input, now }` costs about a microsecond on Node 20 (measured).
   * The per-request literals carry a `now: 0` placeholder, so the stamp is a plain store rather than a new property.
   */
  function feed(input: InputWithoutNow | Input): void {
    if (disposed) return;
    const timed = input as Input;
    // While serving, nothing reads a request's time (a response end's is read, for the keep-alive grace), and a
    // clock read costs 50-65 ns on the machines measured: a request then takes the core's latest time instead.
    (timed as { now: number }).now = timed.type === "request" && state.phase === "serving" ? state.now : clock.now();
    if (feeding) {
      queue.push(timed);
      return;
    }
    feeding = true;
    try {
      let next: Input | undefined = timed;
      while (next !== undefined) {
        // One reused array: a command only ever queues further inputs (see above), so nothing steps while it is
        // read; emptied before each step (when needed: setting the length is a runtime call) so a command that
        // threw leaves nothing behind for the next feed.
        if (commands.length !== 0) commands.length = 0;
        stepInto(state, next, commands);
        for (let i = 0; i < commands.length; i++) run(commands[i] as Command);
        if (hookReportsSeen < state.hookReports.length) emitHookReports();
        next = queue.length === 0 ? undefined : queue.shift();
      }
    } finally {
      feeding = false;
    }
    rearm();
  }

  function rearm(): void {
    const at = state.phase === "stopped" || disposed ? undefined : nextDeadline(state);
    if (at === timerAt) return;
    if (timer !== undefined) clock.clearTimer(timer);
    timer = undefined;
    timerAt = at;
    if (at === undefined) return;
    timer = clock.setTimer(() => {
      timer = undefined;
      timerAt = undefined;
      feed({ type: "tick" });
    }, Math.max(0, Math.ceil(at - clock.now())));
  }

  function execute(command: Parameters<RuntimeBinding["execute"]>[0]): void {
    try {
      binding.execute(command);
    } catch (error) {
      reportError(error, `${binding.runtime} ${command.type}`);
    }
  }

  function run(command: Command): void {
    switch (command.type) {
      case "phase": {
        emitter.emit("phase", { phase: command.phase, at: command.at });
        supervisor.phase(command.phase);
        const line = phaseLine(command.phase, state.reason, msToDeadline());
        if (log && line !== undefined) log.info(line);
        return;
      }
      case "abort-signal":
        shutdownController.abort(new DOMException(`server shutting down: ${command.reason}`, "AbortError"));
        return;
      case "end-sse":
        sse.end(command.id, command.retryMs);
        return;
      case "close-ws":
        websockets.close(command.id);
        return;
      case "destroy":
        emitter.emit("forced", { id: command.id, kind: "connection", why: command.why });
        // SSE and WebSockets are the engine's; everything else is the adapter's.
        if (sse.has(command.id)) sse.destroy(command.id);
        else if (websockets.has(command.id)) websockets.destroy(command.id);
        else execute(command);
        return;
      case "force-remaining":
        emitter.emit("forced", { kind: "remaining", why: `${command.count} left at the deadline` });
        execute(command);
        return;
      case "stop-accepting":
        execute(command);
        if (binding.capabilities.reportsListenerClosed !== true) emitter.emit("listener-closed", { at: clock.now() });
        return;
      case "mark-closing":
      case "close":
      case "goaway":
        execute(command);
        return;
      case "run-hook":
        runHook(command.name, command.timeoutMs);
        return;
      case "progress":
        emitter.emit("progress", { counts: command.counts, msToDeadline: command.msToDeadline });
        supervisor.progress();
        if (log) log.info(progressLine(command.counts, command.msToDeadline));
        return;
      case "stopped":
        runningHook?.abort();
        void finish(command.report);
        return;
    }
  }

  function runHook(name: string, timeoutMs: number): void {
    // The previous hook, if it hangs, is told through its signal that nobody waits for it any more.
    runningHook?.abort();
    const controller = new AbortController();
    runningHook = controller;
    void hooks.run(name, controller.signal, timeoutMs).then((error) => {
      if (runningHook !== controller) return;
      feed(error === undefined ? { type: "hook-done", name } : { type: "hook-done", name, error });
    });
  }

  function emitHookReports(): void {
    while (hookReportsSeen < state.hookReports.length) {
      const report = state.hookReports[hookReportsSeen++];
      if (report === undefined) continue;
      emitter.emit("hook", report);
      if (log && report.result !== "ok") log.warn(`drain: cleanup hook "${report.name}" ${report.result}${report.error ? `: ${report.error}` : ""}`);
    }
  }

  async function finish(report: Report): Promise<void> {
    emitHookReports();
    finalReport = report;
    emitter.emit("report", report);
    if (log) (report.clean ? log.info : log.warn)(summaryLine(report));
    stopListeningToSignals();
    resolveStopped(report);
    try {
      await binding.finish?.(report);
    } catch (error) {
      reportError(error, `${binding.runtime} finish`);
    }
    // Last of all: the control listener, once the report line of every POST /shutdown has been written.
    if (control.started) await control.close();
    if (settings.exit !== false) {
      const code = report.clean ? settings.exit.clean : settings.exit.forced;
      // Let code awaiting the report run first.
      await new Promise((resolve) => setTimeout(resolve, 0));
      binding.exit(code);
    }
  }

  function msToDeadline(): number | undefined {
    return state.phase === "notify" || state.phase === "drain" ? state.forceAt - clock.now() : undefined;
  }
  /** What is left of the whole budget, cleanup hooks included; `undefined` while serving and once stopped. */
  function msToBudgetEnd(): number | undefined {
    return state.phase === "serving" || state.phase === "stopped" ? undefined : state.budgetEnd - clock.now();
  }


  function shutdown(request: { readonly mode?: Mode; readonly reason?: string; readonly timeoutMs?: number } = {}): Promise<Report> {
    const mode = request.mode ?? settings.mode;
    if (!MODES.includes(mode)) {
      return Promise.reject(drainError("ERR_DRAIN_INVALID_MODE", `mode must be graceful, lameduck or immediate, got ${String(mode)}.`));
    }
    const { timeoutMs } = request;
    try {
      // The same bounds as the configured budget.
      if (timeoutMs !== undefined) checkDuration("shutdown timeoutMs", timeoutMs);
    } catch (error) {
      return Promise.reject(error);
    }
    if (disposed) return Promise.reject(drainError("ERR_DRAIN_DISPOSED", "This drain was disposed; create a new one to shut down with it."));
    const reason = request.reason ?? "shutdown requested";
    if (state.phase !== "serving") {
      // Two parts of an app (its own signal handler and a library's) may both ask: a second graceful request joins
      // the running shutdown, as the control endpoint does. Only an explicit "immediate" forces.
      if (request.mode !== "immediate" || state.phase === "stopped") return stopped;
      if (log) log.warn(`drain: ${reason} during the shutdown: forcing`);
    }
    const seed = Math.floor(Math.random() * 0x100000000);
    feed({ type: "shutdown", mode, reason, seed, hooks: hooks.specs(), ...(timeoutMs === undefined ? {} : { timeoutMs }) });
    return stopped;
  }

  let lastSignal: { readonly name: SignalName; readonly at: number } | undefined;
  const signalListeners = settings.signals.map((signal) =>
    binding.onSignal(signal, () => {
      const at = clock.now();
      // The same signal twice within DUPLICATE_SIGNAL_MS is one event delivered twice: launchers such as bunx pass on
      // the signal that their process group (a terminal's Ctrl-C, a supervisor's group kill) already delivered.
      const duplicate = lastSignal !== undefined && lastSignal.name === signal && at - lastSignal.at < DUPLICATE_SIGNAL_MS;
      lastSignal = { name: signal, at };
      if (duplicate && state.phase !== "serving") return;
      // A second signal is someone insisting (Ctrl-C twice, a supervisor's second TERM): it forces.
      void shutdown({ reason: signal, ...(state.phase === "serving" ? {} : { mode: "immediate" as const }) });
    }),
  );
  function stopListeningToSignals(): void {
    for (const remove of signalListeners.splice(0)) {
      try {
        remove();
      } catch (error) {
        reportError(error, "removing a signal listener");
      }
    }
  }

  const control: AttachedControl = attachControl({
    settings: settings.control,
    binding,
    state,
    configuredMode: settings.mode,
    pid: binding.pid ?? 0,
    now: () => clock.now(),
    emitter,
    log,
    msToDeadline,
    msToBudgetEnd,
    report: () => finalReport,
    disposed: () => disposed,
    shutdown,
    reportError,
  });

  const track: Tracker = {
    open: (kind) => {
      const id = nextId++;
      feed({ type: "open", id, kind });
      return id;
    },
    request: (id) => feed({ type: "request", id, now: 0 }),
    responseEnd: (id, closing) => feed({ type: "response-end", id, closing, now: 0 }),
    upgrade: (id) => feed({ type: "upgrade", id }),
    closed: (id) => feed({ type: "closed", id }),
    listenerClosed: () => {
      emitter.emit("listener-closed", { at: clock.now() });
      feed({ type: "listener-closed" });
    },
    bind: (request, id) => {
      requestIds.set(request, id);
    },
    idOf: (request) => requestIds.get(request) ?? binding.connectionOf?.(request),
  };

  return {
    signal: shutdownController.signal,
    get phase() {
      return state.phase;
    },
    counts: () => countsOf(state),
    msToDeadline,
    shutdown,
    stopped,
    onShutdown: (name, hook, hookOptions) => hooks.add(name, hook, hookOptions),
    on: (event, listener) => emitter.on(event, listener),
    readiness: () => readinessResponse(state.phase),
    liveness: () => livenessResponse(state.phase),
    sse: (start, sseOptions) => sse.create(start, sseOptions),
    websocket: (socket, wsOptions) => {
      const conn = wsOptions?.request === undefined ? undefined : requestIds.get(wsOptions.request);
      return websockets.register(socket, {
        allocate: () => nextId++,
        opened: (id) => feed(conn === undefined ? { type: "stream-open", id, kind: "ws" } : { type: "stream-open", id, kind: "ws", conn }),
        closed: (id) => feed({ type: "closed", id }),
      });
    },
    track,
    dispose: () => {
      if (disposed) return;
      // Disposed mid-shutdown: nothing would ever settle `stopped` or exit, so end it now, as a second forcing
      // request would (force what remains, skip the hooks). The report and the exit follow as after any shutdown.
      // Twice: the first forces the drain and may start the hooks; the second stops waiting for them.
      const running = (): boolean => state.phase !== "serving" && state.phase !== "stopped";
      if (running()) void shutdown({ mode: "immediate", reason: "dispose()" });
      if (running()) void shutdown({ mode: "immediate", reason: "dispose()" });
      stopListeningToSignals();
      disposed = true;
      if (timer !== undefined) clock.clearTimer(timer);
      timer = undefined;
      runningHook?.abort();
      void control.close();
      emitter.clear();
      try {
        binding.dispose?.();
      } catch (error) {
        reportError(error, `${binding.runtime} dispose`);
      }
    },
  };
}
