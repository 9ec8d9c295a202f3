import type { EngineClock } from "./clock.ts";
import { stillRunningLine } from "./diagnosis-lines.ts";
import type { Emitter } from "./emitter.ts";
import type { EngineEvents, Logger, RuntimeBinding } from "./types.ts";

/**
 * After the report, when drain leaves the process alone (`exit: false`), look once, `afterMs` later, at what still
 * holds it, and say so in one log line and a `still-running` event. The timer is unref'd: it never holds the
 * process itself, so a process that ends on its own never hears from it.
 *
 * @example
 * ```ts
 * watchStillRunning({ binding, clock, emitter, log, afterMs: settings.stillRunningAfterMs, reportError });
 * ```
 */
export function watchStillRunning(ctx: {
  readonly binding: RuntimeBinding;
  readonly clock: EngineClock;
  readonly emitter: Emitter<EngineEvents>;
  readonly log: Logger | false;
  readonly afterMs: number;
  reportError(error: unknown, context: string): void;
}): void {
  const { binding, clock, emitter, log, afterMs } = ctx;
  clock.setBackgroundTimer?.(() => {
    let holders: readonly string[] | undefined;
    let unseen: string | undefined;
    try {
      const resources = binding.activeResources?.();
      holders = resources?.kinds;
      unseen = resources?.unseen;
    } catch (error) {
      ctx.reportError(error, `${binding.runtime} activeResources`);
    }
    if (log) log.warn(stillRunningLine(afterMs, holders, unseen, binding.runtime));
    emitter.emit("still-running", unseen === undefined ? { afterMs, holders } : { afterMs, holders, unseen });
  }, afterMs);
}
