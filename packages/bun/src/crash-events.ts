import process from "node:process";
import type { CrashOrigin } from "@drain/engine";

/**
 * Uncaught errors through `process`: a listener on `uncaughtException` and on `unhandledRejection` keeps the
 * process alive, as on Node (measured on Bun 1.4.5: without them a throw from a timer and an unhandled rejection
 * each exit 1; with them the process stays up and each listener gets its error). Returns the function that takes both off, after
 * which the runtime's own behaviour is back.
 *
 * @example
 * ```ts
 * const off = onCrash((error, origin) => console.error(origin, error));
 * ```
 */
export function onCrash(listener: (error: unknown, origin: CrashOrigin) => void): () => void {
  // `origin` is "unhandledRejection" when a rejection reaches here (--unhandled-rejections=strict).
  const uncaught = (error: unknown, origin?: string): void => listener(error, origin === "unhandledRejection" ? "unhandledRejection" : "uncaughtException");
  const rejected = (reason: unknown): void => listener(reason, "unhandledRejection");
  process.on("uncaughtException", uncaught);
  process.on("unhandledRejection", rejected);
  return () => {
    process.off("uncaughtException", uncaught);
    process.off("unhandledRejection", rejected);
  };
}
