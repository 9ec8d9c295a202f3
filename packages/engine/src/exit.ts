import type { Report } from "@drain/core";
import type { EngineClock } from "./clock.ts";
import { forcedLine } from "./diagnosis-lines.ts";
import type { EngineSettings } from "./engine-options.ts";
import type { Emitter } from "./emitter.ts";
import { summaryLine } from "./log-lines.ts";
import { watchStillRunning } from "./still-running.ts";
import type { EngineEvents, Logger, RuntimeBinding } from "./types.ts";

/** What the end of a shutdown touches. */
export interface ExitContext {
  readonly binding: RuntimeBinding;
  readonly exit: EngineSettings["exit"];
  readonly emitter: Emitter<EngineEvents>;
  readonly log: Logger | false;
  /** Emit the hook reports not yet emitted, so they come before the report. */
  emitHookReports(): void;
  stopListeningToSignals(): void;
  /** Close the control listener; `undefined` when none was started (then nothing is awaited). */
  closeControl(): Promise<void> | undefined;
  reportError(error: unknown, context: string): void;
  /** For the look at what still holds the process after the report (still-running.ts). */
  readonly clock: EngineClock;
  readonly stillRunningAfterMs: number | false;
}

/** The end of the shutdown: the report, the adapter's last word, then the exit. */
export interface Exit {
  /** Resolves with the final report, however the shutdown was started. */
  readonly stopped: Promise<Report>;
  /** The final report, once there is one. */
  report(): Report | undefined;
  finish(report: Report): Promise<void>;
}

/**
 * Announce the report, let the adapter finish, close the control listener last (once the report line of every
 * `POST /shutdown` is written), then exit with the clean, forced or crashed code unless `exit: false`.
 *
 * @example
 * ```ts
 * const exit = createExit({ binding, exit: settings.exit, emitter, log, … });
 * void exit.finish(report); // on the core's `stopped` command
 * ```
 */
export function createExit(ctx: ExitContext): Exit {
  let finalReport: Report | undefined;
  let resolveStopped: (report: Report) => void = () => {};
  const stopped = new Promise<Report>((resolve) => {
    resolveStopped = resolve;
  });

  async function finish(report: Report): Promise<void> {
    const { binding, emitter, log } = ctx;
    ctx.emitHookReports();
    finalReport = report;
    emitter.emit("report", report);
    if (log) (report.clean ? log.info : log.warn)(summaryLine(report));
    const forced = forcedLine(report);
    if (log && forced !== undefined) log.warn(forced);
    ctx.stopListeningToSignals();
    resolveStopped(report);
    try {
      await binding.finish?.(report);
    } catch (error) {
      ctx.reportError(error, `${binding.runtime} finish`);
    }
    // Last of all: the control listener, once the report line of every POST /shutdown has been written.
    const closing = ctx.closeControl();
    if (closing !== undefined) await closing;
    if (ctx.exit === false) {
      const afterMs = ctx.stillRunningAfterMs;
      if (afterMs !== false) watchStillRunning({ binding, clock: ctx.clock, emitter, log, afterMs, reportError: ctx.reportError });
    } else {
      // A crash exits with its own code however its drain went: a supervisor must tell it from a deploy.
      const code = report.error !== undefined ? ctx.exit.crashed : report.clean ? ctx.exit.clean : ctx.exit.forced;
      // Let code awaiting the report run first.
      await new Promise((resolve) => setTimeout(resolve, 0));
      binding.exit(code);
    }
  }

  return { stopped, report: () => finalReport, finish };
}
