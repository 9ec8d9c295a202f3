import { checkDuration, drainError } from "@drain/core";
import { describeValue } from "./engine-options.ts";
import type { CrashOrigin, DrainOptions, Logger, RuntimeBinding } from "./types.ts";

/** A crash's budget when `crash: true` or `{}`: short, since the process is in a state nobody planned for. */
export const DEFAULT_CRASH_TIMEOUT_MS = 5_000;

/** The `crash` option, resolved: `undefined` when off. */
export interface CrashSettings {
  readonly timeoutMs: number;
}

/**
 * Check the `crash` option at start-up: `true`, `false`, or `{ timeoutMs? }`. Throws a `DrainError` with a stable code.
 *
 * @example
 * ```ts
 * resolveCrash({ timeoutMs: 3_000 }); // { timeoutMs: 3000 }
 * resolveCrash(undefined); // undefined: off
 * ```
 */
export function resolveCrash(value: DrainOptions["crash"]): CrashSettings | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return { timeoutMs: DEFAULT_CRASH_TIMEOUT_MS };
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw drainError("ERR_DRAIN_INVALID_OPTION", `crash must be true, false or { timeoutMs?: number }, got ${describeValue(value)}.`);
  }
  const extra = Object.keys(value).find((key) => key !== "timeoutMs");
  if (extra !== undefined) {
    throw drainError("ERR_DRAIN_UNKNOWN_OPTION", `Unknown crash option ${JSON.stringify(extra)}. Known: timeoutMs (for example crash: { timeoutMs: 3_000 }).`);
  }
  return { timeoutMs: value.timeoutMs === undefined ? DEFAULT_CRASH_TIMEOUT_MS : checkDuration("crash.timeoutMs", value.timeoutMs) };
}

/** The text of an uncaught error for the report and the core (which keeps strings, not objects). */
export function crashMessage(error: unknown): string {
  if (error instanceof Error) return error.message === "" ? error.name : `${error.name}: ${error.message}`;
  try {
    return String(error);
  } catch {
    return describeValue(error);
  }
}

/** The log lines of the first uncaught error: its stack when it has one, and what happens now. */
function crashLine(error: unknown, origin: CrashOrigin, timeoutMs: number): string {
  const detail = error instanceof Error && typeof error.stack === "string" ? error.stack : crashMessage(error);
  return `drain: ${origin}: ${detail}\ndrain: draining within ${timeoutMs} ms, then exiting (crash)`;
}

/**
 * Listen to uncaught errors through the binding and hand each to `crash`, after logging it. The first error is
 * kept for the hooks. Returns the function that stops listening (the runtime's own behaviour is back after it).
 *
 * @example
 * ```ts
 * const crashes = listenToCrashes(binding, settings.crash, log, (error, origin) => feedCrash(error, origin), reportError);
 * crashes.stop(); // at the report, and on dispose
 * ```
 */
export function listenToCrashes(
  binding: RuntimeBinding,
  settings: CrashSettings | undefined,
  log: Logger | false,
  crash: (error: unknown, origin: CrashOrigin) => void,
  reportError: (error: unknown, context: string) => void,
): { stop(): void; first(): { readonly error: unknown } | undefined } {
  let first: { readonly error: unknown } | undefined;
  if (settings === undefined || binding.onCrash === undefined) return { stop: () => {}, first: () => undefined };
  let remove: (() => void) | undefined = binding.onCrash((error, origin) => {
    if (log) log.error(first === undefined ? crashLine(error, origin, settings.timeoutMs) : `drain: a second uncaught error (${origin}): ${crashMessage(error)}; forcing`);
    first ??= { error };
    crash(error, origin);
  });
  return {
    stop: () => {
      const removing = remove;
      remove = undefined;
      try {
        removing?.();
      } catch (error) {
        reportError(error, "removing the crash listeners");
      }
    },
    first: () => first,
  };
}
