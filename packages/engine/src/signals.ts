import type { Mode } from "@drain/core";
import type { EngineClock } from "./clock.ts";
import type { RuntimeBinding, SignalName } from "./types.ts";

/**
 * How close two deliveries of the same signal are taken as one: a forwarded copy arrives within milliseconds, a person
 * pressing Ctrl-C again takes far longer.
 */
const DUPLICATE_SIGNAL_MS = 100;

/**
 * Listen to the configured signals: the first starts the shutdown, a second one forces it. Returns the function that
 * takes every listener off (a listener that fails to come off is reported, never thrown).
 *
 * @example
 * ```ts
 * const stop = listenToSignals(binding, ["SIGTERM", "SIGINT"], clock, () => phase(state) === "serving", shutdown, reportError);
 * ```
 */
export function listenToSignals(
  binding: RuntimeBinding,
  signals: readonly SignalName[],
  clock: EngineClock,
  serving: () => boolean,
  shutdown: (request: { readonly mode?: Mode; readonly reason: string }) => void,
  reportError: (error: unknown, context: string) => void,
): () => void {
  let lastSignal: { readonly name: SignalName; readonly at: number } | undefined;
  const removers = signals.map((signal) =>
    binding.onSignal(signal, () => {
      const at = clock.now();
      // The same signal twice within DUPLICATE_SIGNAL_MS is one event delivered twice: launchers such as bunx pass on
      // the signal that their process group (a terminal's Ctrl-C, a supervisor's group kill) already delivered.
      const duplicate = lastSignal !== undefined && lastSignal.name === signal && at - lastSignal.at < DUPLICATE_SIGNAL_MS;
      lastSignal = { name: signal, at };
      if (duplicate && !serving()) return;
      // A second signal is someone insisting (Ctrl-C twice, a supervisor's second TERM): it forces.
      shutdown({ reason: signal, ...(serving() ? {} : { mode: "immediate" as const }) });
    }),
  );
  return () => {
    for (const remove of removers.splice(0)) {
      try {
        remove();
      } catch (error) {
        reportError(error, "removing a signal listener");
      }
    }
  };
}
