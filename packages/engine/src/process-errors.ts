import type { CrashOrigin } from "./types.ts";

/** What Node's and Bun's `process` offer for uncaught errors (the engine imports no runtime, so it is handed in). */
export interface ProcessErrorEvents {
  on(event: "uncaughtException" | "unhandledRejection", listener: (error: unknown, origin?: unknown) => void): unknown;
  off(event: "uncaughtException" | "unhandledRejection", listener: (error: unknown, origin?: unknown) => void): unknown;
}

/**
 * Uncaught errors through `process` events, for the bindings of the runtimes that have them (Node, Bun). A listener
 * on `uncaughtException` and on `unhandledRejection` keeps the process alive (measured in `docs/runtime-facts.md`).
 * Returns the function that takes both off, after which the runtime's own print-and-exit is back.
 *
 * @example
 * ```ts
 * import process from "node:process";
 * const off = onProcessErrors(process, (error, origin) => console.error(origin, error));
 * ```
 */
export function onProcessErrors(target: ProcessErrorEvents, listener: (error: unknown, origin: CrashOrigin) => void): () => void {
  // `origin` is "unhandledRejection" when a rejection reaches `uncaughtException` (--unhandled-rejections=strict).
  const uncaught = (error: unknown, origin?: unknown): void => listener(error, origin === "unhandledRejection" ? "unhandledRejection" : "uncaughtException");
  const rejected = (reason: unknown): void => listener(reason, "unhandledRejection");
  target.on("uncaughtException", uncaught);
  target.on("unhandledRejection", rejected);
  return () => {
    target.off("uncaughtException", uncaught);
    target.off("unhandledRejection", rejected);
  };
}
