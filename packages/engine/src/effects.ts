import { hookReports, msToForce, reason, type Command, type Report, type State } from "@drain/core";
import type { EngineClock } from "./clock.ts";
import type { Emitter } from "./emitter.ts";
import type { FeedLoop } from "./feed-loop.ts";
import type { HookRegistry } from "./hooks.ts";
import { phaseLine, progressLine } from "./log-lines.ts";
import { notifyEndLine } from "./notify.ts";
import type { SseRegistry } from "./sse.ts";
import type { SupervisorNotifier } from "./systemd-notify.ts";
import type { EngineEvents, Logger, RuntimeBinding } from "./types.ts";
import type { WebSocketRegistry } from "./websockets.ts";

/** What carrying out the core's commands touches. */
export interface EffectsContext {
  readonly state: State;
  readonly binding: RuntimeBinding;
  readonly clock: EngineClock;
  readonly emitter: Emitter<EngineEvents>;
  readonly log: Logger | false;
  readonly supervisor: SupervisorNotifier;
  readonly sse: SseRegistry;
  readonly websockets: WebSocketRegistry;
  readonly hooks: HookRegistry;
  /** Fires the shutdown signal handed to handlers. */
  readonly shutdownController: AbortController;
  readonly feed: FeedLoop["feed"];
  finish(report: Report): void;
  reportError(error: unknown, context: string): void;
  /** The first uncaught error, once the `crash` option saw one: hooks are given it. */
  crash?(): { readonly error: unknown } | undefined;
  /** Ask about what the core just forced, before it is carried out (forced-details.ts). */
  gatherForced(): void;
}

/** The engine's side of the core's commands: events, log lines, hooks, and the adapter's share. */
export interface Effects {
  run(command: Command): void;
  /** Emit the hook reports the core wrote since the last call. */
  emitHookReports(): void;
  /** Tell the running hook, if any, that nobody waits for it any more. */
  abandonHook(): void;
}

/**
 * Carry out commands: the SSE and WebSocket ones here, the connection ones through the adapter's binding, hooks with
 * their own timeout signal. A binding that throws is reported, never stops the shutdown.
 *
 * @example
 * ```ts
 * const effects = createEffects({ state, binding, clock, emitter, log, supervisor, sse, websockets, hooks, … });
 * for (const command of commands) effects.run(command);
 * ```
 */
export function createEffects(ctx: EffectsContext): Effects {
  const { state, binding, emitter, log, supervisor, sse, websockets } = ctx;
  let hookReportsSeen = 0;
  let runningHook: AbortController | undefined;

  function execute(command: Parameters<RuntimeBinding["execute"]>[0]): void {
    try {
      binding.execute(command);
    } catch (error) {
      ctx.reportError(error, `${binding.runtime} ${command.type}`);
    }
  }

  function run(command: Command): void {
    switch (command.type) {
      case "phase": {
        emitter.emit("phase", { phase: command.phase, at: command.at });
        supervisor.phase(command.phase);
        const line = phaseLine(command.phase, reason(state), msToForce(state, ctx.clock.now()));
        if (log && command.phase === "drain") {
          const ended = notifyEndLine(state);
          if (ended !== undefined) log.info(ended);
        }
        if (log && line !== undefined) log.info(line);
        return;
      }
      case "abort-signal":
        ctx.shutdownController.abort(new DOMException(`server shutting down: ${command.reason}`, "AbortError"));
        return;
      case "end-sse":
        sse.end(command.id, command.retryMs);
        return;
      case "close-ws":
        websockets.close(command.id);
        return;
      case "destroy":
        // Asks only about items the core listed since the last look: a close-timeout cut lists none.
        ctx.gatherForced();
        emitter.emit("forced", { id: command.id, kind: "connection", why: command.why });
        // SSE and WebSockets are the engine's; everything else is the adapter's.
        if (sse.has(command.id)) sse.destroy(command.id);
        else if (websockets.has(command.id)) websockets.destroy(command.id);
        else execute(command);
        return;
      case "force-remaining":
        ctx.gatherForced();
        emitter.emit("forced", { kind: "remaining", why: `${command.count} left at the deadline` });
        execute(command);
        return;
      case "stop-accepting":
        execute(command);
        if (binding.capabilities.reportsListenerClosed !== true) emitter.emit("listener-closed", { at: ctx.clock.now() });
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
        ctx.finish(command.report);
        return;
    }
  }

  function runHook(name: string, timeoutMs: number): void {
    // The previous hook, if it hangs, is told through its signal that nobody waits for it any more.
    runningHook?.abort();
    const controller = new AbortController();
    runningHook = controller;
    void ctx.hooks.run(name, controller.signal, timeoutMs, ctx.crash?.()).then((error) => {
      if (runningHook !== controller) return;
      ctx.feed(error === undefined ? { type: "hook-done", name } : { type: "hook-done", name, error });
    });
  }

  function emitHookReports(): void {
    const reports = hookReports(state);
    while (hookReportsSeen < reports.length) {
      const report = reports[hookReportsSeen++];
      if (report === undefined) continue;
      emitter.emit("hook", report);
      if (log && report.result !== "ok") log.warn(`drain: cleanup hook "${report.name}" ${report.result}${report.error ? `: ${report.error}` : ""}`);
    }
  }

  return { run, emitHookReports, abandonHook: () => runningHook?.abort() };
}
