import { drainError } from "@drain/core";
import { DEFAULT_RETRY_AFTER_SECONDS } from "./context.ts";
import type { DrainMiddlewareOptions, EngineSource } from "./types.ts";

/** Options with every default filled in. */
export interface MiddlewareSettings {
  readonly readinessPath: string | false;
  readonly livenessPath: string | false;
  readonly retryAfterSeconds: number;
}

const KNOWN: ReadonlySet<string> = new Set(["readinessPath", "livenessPath", "retryAfterSeconds"]);

/** Check the engine source and the options at start-up, so a mistake fails before the first request. */
export function resolveSettings(source: EngineSource, options: DrainMiddlewareOptions | undefined): MiddlewareSettings {
  if (typeof source !== "function" && !isEngine(source)) {
    throw drainError(
      "ERR_DRAIN_INVALID_OPTION",
      "drainMiddleware takes the drain (from @drain/node, @drain/bun or @drain/deno) or a function returning it: drainMiddleware(() => d).",
    );
  }
  const given = options ?? {};
  if (typeof given !== "object" || given === null) {
    throw drainError("ERR_DRAIN_INVALID_OPTION", "drainMiddleware's second argument is an options object ({ readinessPath, livenessPath, retryAfterSeconds }).");
  }
  for (const key of Object.keys(given)) {
    if (!KNOWN.has(key)) {
      throw drainError("ERR_DRAIN_UNKNOWN_OPTION", `drainMiddleware has no option "${key}"; known options: ${[...KNOWN].join(", ")}.`);
    }
  }
  const retryAfterSeconds = given.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS;
  if (!Number.isInteger(retryAfterSeconds) || retryAfterSeconds < 0) {
    throw drainError("ERR_DRAIN_INVALID_OPTION", `retryAfterSeconds must be a whole number of seconds ≥ 0, got ${String(retryAfterSeconds)}.`);
  }
  return {
    readinessPath: probePath("readinessPath", given.readinessPath, "/ready"),
    livenessPath: probePath("livenessPath", given.livenessPath, "/live"),
    retryAfterSeconds,
  };
}

function probePath(name: string, value: string | false | undefined, fallback: string): string | false {
  if (value === undefined) return fallback;
  if (value === false || (typeof value === "string" && value.startsWith("/"))) return value;
  throw drainError("ERR_DRAIN_INVALID_OPTION", `${name} must be a path starting with "/" or false (no route), got ${JSON.stringify(value)}.`);
}

/** Duck-typed on purpose: an engine from another copy of @drain/engine is just as good. */
export function isEngine(value: unknown): boolean {
  const candidate = value as { readiness?: unknown; sse?: unknown; websocket?: unknown } | null;
  return (
    typeof candidate === "object" &&
    candidate !== null &&
    typeof candidate.readiness === "function" &&
    typeof candidate.sse === "function" &&
    typeof candidate.websocket === "function"
  );
}
