import process from "node:process";
import type { CrashOrigin } from "@drain/engine";

/**
 * Uncaught errors through `process`: a listener on `uncaughtException` and on `unhandledRejection` keeps the
 * process alive (measured on Node 20.20, 24.21, 26.12 and Bun 1.4.5: without them each exits 1 on a throw from a
 * timer and on an unhandled rejection; with them all four stay up). Returns the function that takes both off, after
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
