import process from "node:process";
import { onProcessErrors, type CrashOrigin } from "@drain/engine";

/**
 * Uncaught errors through `process`, as on Node (measured on Bun 1.4.5: without listeners a throw from a timer and
 * an unhandled rejection each exit 1; with them the process stays up and each listener gets its error). Returns
 * the function that takes both off.
 *
 * @example
 * ```ts
 * const off = onCrash((error, origin) => console.error(origin, error));
 * ```
 */
export function onCrash(listener: (error: unknown, origin: CrashOrigin) => void): () => void {
  return onProcessErrors(process, listener);
}
