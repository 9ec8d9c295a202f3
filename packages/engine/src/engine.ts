import { checkDuration, counts, drainError, initial, isReady, MODES, msToBudgetEnd, msToForce, phase, reason, type Counts, type Id, type Mode, type Report } from "@drain/core";
import { realClock, type EngineClock } from "./clock.ts";
import { attachControl } from "./control/attach.ts";
import { crashMessage, listenToCrashes } from "./crash.ts";
import { createEffects } from "./effects.ts";
import { Emitter } from "./emitter.ts";
import { resolveEngineOptions, type EngineSettings } from "./engine-options.ts";
import { createExit } from "./exit.ts";
import { createFeedLoop } from "./feed-loop.ts";
import { createForcedDetails } from "./forced-details.ts";
import { HookRegistry } from "./hooks.ts";
import { noteProbe } from "./notify.ts";
import { livenessResponse, readinessResponse } from "./probes.ts";
import { listenToSignals } from "./signals.ts";
import { SseRegistry } from "./sse.ts";
import { SupervisorNotifier } from "./systemd-notify.ts";
import { createTracker } from "./tracker.ts";
import type { CrashOrigin, DrainOptions, Engine, EngineEvents, RuntimeBinding } from "./types.ts";
import { WebSocketRegistry } from "./websockets.ts";

export type { EngineClock } from "./clock.ts";

type ShutdownRequest = { readonly mode?: Mode; readonly reason?: string; readonly timeoutMs?: number };

/**
 * Run the core for one server. Adapters call this with their runtime binding; applications use the adapter's
 * `drain(...)`, which returns this engine with runtime extras. Composes the engine's parts: the feed loop and its
 * timer (feed-loop.ts), the effects of the core's commands and the hooks (effects.ts), the exit (exit.ts), the
 * signals (signals.ts), the adapter's tracker (tracker.ts) and the control endpoint (control/attach.ts).
 *
 * @example
 * ```ts
 * const engine = createEngine({ timeoutMs: 10_000 }, binding);
 * engine.onShutdown("db", () => pool.end(), { order: 1 });
 * engine.on("report", (report) => console.log(report.clean));
 * ```
 */
export function createEngine(options: DrainOptions, binding: RuntimeBinding, clock: EngineClock = realClock): Engine {
  const settings = checkBinding(options, binding);
  const state = initial(settings.core);
  const log = settings.logger;
  const emitter = new Emitter<EngineEvents>((error) => reportError(error, "event listener"));
  const hooks = new HookRegistry();
  const shutdownController = new AbortController();
  let nextId = 1;
  const allocate = (): Id => nextId++;

  function reportError(error: unknown, context: string): void {
    if (log) log.error(`drain: ${context} failed: ${error instanceof Error ? error.message : String(error)}`);
    if (context !== "event listener") emitter.emit("error", { error, context });
  }
  const toDeadline = (): number | undefined => msToForce(state, clock.now());
  const toBudgetEnd = (): number | undefined => msToBudgetEnd(state, clock.now());

  const settle = binding.settle?.bind(binding);
  /** What is open now: what an adapter counted itself while serving joins the core's picture first (`RuntimeBinding.settle`). */
  const countsNow = (): Counts => {
    if (settle !== undefined && phase(state) === "serving") settle();
    return counts(state);
  };
  const loop = createFeedLoop(state, clock, (command) => effects.run(command), () => effects.emitHookReports(), settle);
  const sse = new SseRegistry({
    allocate,
    opened: (id, conn) => loop.feed(conn === undefined ? { type: "stream-open", id, kind: "sse" } : { type: "stream-open", id, kind: "sse", conn }),
    closed: (id) => loop.feed({ type: "closed", id }),
    // Through the tracker, so a binding's own `connectionOf` answers too (see `RuntimeBinding.connectionOf`).
    connectionOf: (request) => (request === undefined ? undefined : track.idOf(request)),
    reason: () => reason(state),
    error: reportError,
  });
  const websockets = new WebSocketRegistry(reportError);
  const supervisor = new SupervisorNotifier(settings.notifySocket, binding.notifySupervisor?.bind(binding), () => toBudgetEnd() ?? 0, (error) =>
    reportError(error, "notifying systemd"),
  );
  const forcedDetails = createForcedDetails({
    state,
    describeStream: (id) => sse.describe(id) ?? websockets.describe(id),
    describeConnection: (id, request) => binding.describe?.(id, request),
    reportError,
  });
  const exit = createExit({
    binding,
    exit: settings.exit,
    emitter,
    log,
    emitHookReports: () => effects.emitHookReports(),
    stopListeningToSignals: () => {
      stopListeningToSignals();
      // From the report on, an uncaught error is the runtime's again (print and exit).
      crashes.stop();
    },
    closeControl: () => (control.started ? control.close() : undefined),
    reportError,
    clock,
    stillRunningAfterMs: settings.stillRunningAfterMs,
  });
  const effects = createEffects({
    state, binding, clock, emitter, log, supervisor, sse, websockets, hooks, shutdownController, reportError,
    feed: loop.feed,
    finish: (report) => void exit.finish(forcedDetails.complete(report)),
    crash: () => crashes.first(),
    gatherForced: () => forcedDetails.gather(),
  });

  function shutdown(request: ShutdownRequest = {}): Promise<Report> {
    const mode = request.mode ?? settings.mode;
    const invalid = invalidShutdown(mode, request.timeoutMs, loop.stopped);
    if (invalid !== undefined) return Promise.reject(invalid);
    const why = request.reason ?? "shutdown requested";
    if (phase(state) !== "serving") {
      // Two parts of an app (its own signal handler and a library's) may both ask: a second graceful request joins
      // the running shutdown, as the control endpoint does. Only an explicit "immediate" forces.
      if (request.mode !== "immediate" || phase(state) === "stopped") return exit.stopped;
      if (log) log.warn(`drain: ${why} during the shutdown: forcing`);
    }
    const { timeoutMs } = request;
    feedShutdown({ mode, reason: why, ...(timeoutMs === undefined ? {} : { timeoutMs }) });
    return exit.stopped;
  }

  /** The core's shutdown input, with a fresh jitter seed and the hooks registered by now. */
  function feedShutdown(request: { readonly mode: Mode; readonly reason: string; readonly timeoutMs?: number; readonly error?: string }): void {
    loop.feed({ type: "shutdown", seed: Math.floor(Math.random() * 0x100000000), hooks: hooks.specs(), ...request });
  }

  /** An uncaught error (the `crash` option): drain within the crash budget; the core decides what it does to a running shutdown. */
  function crash(error: unknown, origin: CrashOrigin): void {
    if (loop.stopped || phase(state) === "stopped") return;
    emitter.emit("error", { error, context: origin });
    const timeoutMs = settings.crash?.timeoutMs;
    feedShutdown({ mode: "graceful", reason: origin, ...(timeoutMs === undefined ? {} : { timeoutMs }), error: crashMessage(error) });
  }
  const crashes = listenToCrashes(binding, settings.crash, log, crash, reportError);

  const stopListeningToSignals = listenToSignals(binding, settings.signals, clock, () => phase(state) === "serving", (request) => void shutdown(request), reportError);
  const control = attachControl({
    settings: settings.control,
    binding,
    state,
    configuredMode: settings.mode,
    pid: binding.pid ?? 0,
    now: () => clock.now(),
    emitter,
    log,
    counts: countsNow,
    msToDeadline: toDeadline,
    msToBudgetEnd: toBudgetEnd,
    report: () => exit.report(),
    disposed: () => loop.stopped,
    shutdown,
    reportError,
  });
  const track = createTracker(state, loop, allocate, binding, emitter, clock);

  function dispose(): void {
    if (loop.stopped) return;
    // Disposed mid-shutdown: nothing would ever settle `stopped` or exit, so end it now, as a second forcing
    // request would (force what remains, skip the hooks). The report and the exit follow as after any shutdown.
    // Twice: the first forces the drain and may start the hooks; the second stops waiting for them.
    const running = (): boolean => phase(state) !== "serving" && phase(state) !== "stopped";
    if (running()) void shutdown({ mode: "immediate", reason: "dispose()" });
    if (running()) void shutdown({ mode: "immediate", reason: "dispose()" });
    stopListeningToSignals();
    crashes.stop();
    loop.stop();
    effects.abandonHook();
    void control.close();
    emitter.clear();
    try {
      binding.dispose?.();
    } catch (error) {
      reportError(error, `${binding.runtime} dispose`);
    }
  }

  const engine: Engine = {
    signal: shutdownController.signal,
    get phase() {
      return phase(state);
    },
    counts: countsNow,
    msToDeadline: toDeadline,
    shutdown,
    stopped: exit.stopped,
    onShutdown: (name, hook, hookOptions) => hooks.add(name, hook, hookOptions),
    on: (event, listener) => emitter.on(event, listener),
    readiness: (request) => {
      noteProbe(state, request, track.idOf, loop.feed);
      return readinessResponse(phase(state), isReady(state));
    },
    ready: () => {
      // Idempotent, and free once said: no input for a second call. After dispose there is no loop to feed.
      if (loop.stopped || isReady(state)) return;
      loop.feed({ type: "ready" });
    },
    liveness: (request) => {
      noteProbe(state, request, track.idOf, loop.feed);
      return livenessResponse(phase(state));
    },
    sse: (start, sseOptions) => sse.create(start, sseOptions),
    websocket: (socket, wsOptions) => {
      const conn = wsOptions?.request === undefined ? undefined : track.idOf(wsOptions.request);
      return websockets.register(
        socket,
        {
          allocate,
          opened: (id) => loop.feed(conn === undefined ? { type: "stream-open", id, kind: "ws" } : { type: "stream-open", id, kind: "ws", conn }),
          closed: (id) => loop.feed({ type: "closed", id }),
        },
        wsOptions?.request === undefined ? undefined : { request: wsOptions.request, ...(conn === undefined ? {} : { conn }) },
      );
    },
    track,
    dispose,
  };
  binding.start?.(track);
  return engine;
}

/** The binding must be one, and must serve the control endpoint when one is asked for. Returns the settings. */
function checkBinding(options: DrainOptions, binding: RuntimeBinding): EngineSettings {
  if (binding === null || typeof binding !== "object" || typeof binding.execute !== "function") {
    throw drainError("ERR_DRAIN_INVALID_OPTION", "createEngine needs a runtime binding; use the adapter for your runtime (@drain/node, @drain/bun or @drain/deno).");
  }
  const settings = resolveEngineOptions(options, binding.capabilities);
  if (settings.crash !== undefined && typeof binding.onCrash !== "function") {
    throw drainError("ERR_DRAIN_INVALID_OPTION", `the ${binding.runtime} adapter cannot listen to uncaught errors; leave out the crash option or use @drain/node, @drain/bun or @drain/deno.`);
  }
  if (settings.control !== undefined && typeof binding.serveControl !== "function") {
    throw drainError("ERR_DRAIN_INVALID_OPTION", `the ${binding.runtime} adapter has no control endpoint; leave out the control option or use @drain/node, @drain/bun or @drain/deno.`);
  }
  return settings;
}

/** Why a shutdown request cannot run, or `undefined` when it can. */
function invalidShutdown(mode: Mode, timeoutMs: number | undefined, disposed: boolean): unknown {
  if (!MODES.includes(mode)) return drainError("ERR_DRAIN_INVALID_MODE", `mode must be graceful, lameduck or immediate, got ${String(mode)}.`);
  try {
    // The same bounds as the configured budget.
    if (timeoutMs !== undefined) checkDuration("shutdown timeoutMs", timeoutMs);
  } catch (error) {
    return error;
  }
  if (disposed) return drainError("ERR_DRAIN_DISPOSED", "This drain was disposed; create a new one to shut down with it.");
  return undefined;
}
