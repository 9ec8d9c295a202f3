import { drainError } from "./errors.ts";
import { longestNotify, resolveNotify } from "./notify.ts";
import type { Capabilities, Options, ResolvedNotify, ResolvedOptions } from "./types.ts";

/** Every default, in one place. */
export const DEFAULTS: Omit<ResolvedOptions, "capabilities" | "notify"> = {
  notifyMs: 0,
  timeoutMs: 25_000,
  cleanupMs: 5_000,
  wsCloseTimeoutMs: 5_000,
  keepAliveGraceMs: 1_000,
  lameduckWindowMs: 10_000,
  sseRetryMs: [1_000, 5_000],
  progressEveryMs: 1_000,
  startReady: true,
};

const DURATIONS = [
  "notifyMs",
  "timeoutMs",
  "cleanupMs",
  "wsCloseTimeoutMs",
  "keepAliveGraceMs",
  "lameduckWindowMs",
  "progressEveryMs",
] as const;

const KNOWN: readonly string[] = [...DURATIONS, "sseRetryMs", "startReady", "capabilities"];

const CAPABILITIES: readonly (keyof Capabilities)[] = ["closeConnection", "forceConnection", "goaway", "connectionClose"];

/** A day: longer than any sane shutdown budget, short enough to catch seconds passed as milliseconds ×1000. */
const ABSURD_MS = 86_400_000;

/**
 * Check one duration in milliseconds (an option, or the budget a single shutdown asks for) and return it.
 * Throws `ERR_DRAIN_INVALID_DURATION` naming `key` when it is not a number from 0 to a day.
 *
 * @example
 * ```ts
 * const timeoutMs = checkDuration("shutdown timeoutMs", request.timeoutMs);
 * ```
 */
export function checkDuration(key: string, value: unknown): number {
  if (typeof value !== "number" || !(value >= 0) || value > ABSURD_MS) {
    throw drainError("ERR_DRAIN_INVALID_DURATION", `${key} must be a number of milliseconds from 0 to ${ABSURD_MS}, got ${describe(value)}.`);
  }
  return value;
}

/**
 * Check options and fill in defaults. Every mistake fails here, at start-up, with a stable `code`.
 * `extraKeys` are keys a wrapper (the engine) handles itself and that are therefore not unknown.
 */
export function resolveOptions(options: Options, extraKeys: readonly string[] = []): ResolvedOptions {
  if (options === null || typeof options !== "object") {
    throw drainError("ERR_DRAIN_INVALID_OPTION", `drain options must be an object, got ${describe(options)}.`);
  }
  for (const key of Object.keys(options)) {
    // Resolved options are resolved again (`initial` takes either): their `notify` is derived from `notifyMs`.
    if (key === "notify" && isResolvedNotify((options as { notify?: unknown }).notify)) continue;
    if (!KNOWN.includes(key) && !extraKeys.includes(key)) {
      throw drainError(
        "ERR_DRAIN_UNKNOWN_OPTION",
        `Unknown drain option "${key}". Known options: ${[...KNOWN.filter((k) => k !== "capabilities"), ...extraKeys].join(", ")}.`,
      );
    }
  }
  const record = options as unknown as Record<string, unknown>;
  const durations: Record<string, number> = {};
  for (const key of DURATIONS) {
    const value = record[key];
    if (value === undefined) {
      durations[key] = DEFAULTS[key];
      continue;
    }
    // The adaptive form is checked against the budget below (notify.ts).
    if (key === "notifyMs" && typeof value === "object" && value !== null) continue;
    durations[key] = checkDuration(key, value);
  }
  const timeoutMs = durations["timeoutMs"] ?? DEFAULTS.timeoutMs;
  const resolved = record["notify"] as ResolvedNotify | undefined;
  const given = resolved?.kind === "adaptive" ? { minMs: resolved.minMs, quietMs: resolved.quietMs, maxMs: resolved.maxMs } : (durations["notifyMs"] ?? record["notifyMs"]);
  const notify = resolveNotify((given ?? DEFAULTS.notifyMs) as number, timeoutMs);
  const notifyMs = longestNotify(notify);
  if (notify.kind === "fixed" && notifyMs >= timeoutMs && !(notifyMs === 0 && timeoutMs === 0)) {
    throw drainError(
      "ERR_DRAIN_NOTIFY_NOT_BEFORE_DEADLINE",
      `notifyMs (${notifyMs}) must be shorter than timeoutMs (${timeoutMs}): the drain has to start before the deadline. Lower notifyMs or raise timeoutMs.`,
    );
  }
  if (durations["progressEveryMs"] === 0) {
    throw drainError("ERR_DRAIN_INVALID_DURATION", "progressEveryMs must be more than 0.");
  }
  return {
    notifyMs,
    notify,
    timeoutMs,
    cleanupMs: durations["cleanupMs"] ?? DEFAULTS.cleanupMs,
    wsCloseTimeoutMs: durations["wsCloseTimeoutMs"] ?? DEFAULTS.wsCloseTimeoutMs,
    keepAliveGraceMs: durations["keepAliveGraceMs"] ?? DEFAULTS.keepAliveGraceMs,
    lameduckWindowMs: durations["lameduckWindowMs"] ?? DEFAULTS.lameduckWindowMs,
    progressEveryMs: durations["progressEveryMs"] ?? DEFAULTS.progressEveryMs,
    sseRetryMs: resolveRetryRange(record["sseRetryMs"]),
    startReady: resolveStartReady(record["startReady"]),
    capabilities: resolveCapabilities(record["capabilities"]),
  };
}

function isResolvedNotify(value: unknown): boolean {
  return typeof value === "object" && value !== null && "kind" in value;
}

function resolveRetryRange(value: unknown): readonly [number, number] {
  if (value === undefined) return DEFAULTS.sseRetryMs;
  const isMs = (n: unknown): n is number => typeof n === "number" && Number.isInteger(n) && n >= 0 && n <= ABSURD_MS;
  const [min, max] = Array.isArray(value) && value.length === 2 ? value : [];
  if (!isMs(min) || !isMs(max) || min > max) {
    throw drainError(
      "ERR_DRAIN_INVALID_RANGE",
      `sseRetryMs must be [min, max] whole milliseconds with 0 ≤ min ≤ max, got ${describe(value)}.`,
    );
  }
  return [min, max];
}

function resolveStartReady(value: unknown): boolean {
  if (value === undefined) return DEFAULTS.startReady;
  if (typeof value !== "boolean") {
    throw drainError(
      "ERR_DRAIN_INVALID_OPTION",
      `startReady must be true or false (false: readiness answers 503 until you call ready()), got ${describe(value)}.`,
    );
  }
  return value;
}

function resolveCapabilities(value: unknown): Capabilities {
  if (value === null || typeof value !== "object") {
    throw drainError(
      "ERR_DRAIN_INVALID_CAPABILITIES",
      "capabilities are required: the adapter must say what its runtime can do (closeConnection, forceConnection, goaway, connectionClose).",
    );
  }
  const record = value as Record<string, unknown>;
  for (const key of CAPABILITIES) {
    if (typeof record[key] !== "boolean") {
      throw drainError("ERR_DRAIN_INVALID_CAPABILITIES", `capabilities.${key} must be true or false, got ${describe(record[key])}.`);
    }
  }
  for (const key of ["reportsListenerClosed", "seesNeverUsed"]) {
    if (record[key] !== undefined && typeof record[key] !== "boolean") {
      throw drainError("ERR_DRAIN_INVALID_CAPABILITIES", `capabilities.${key} must be true, false or left out, got ${describe(record[key])}.`);
    }
  }
  return {
    reportsListenerClosed: record["reportsListenerClosed"] === true,
    closeConnection: record["closeConnection"] === true,
    forceConnection: record["forceConnection"] === true,
    goaway: record["goaway"] === true,
    connectionClose: record["connectionClose"] === true,
  };
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || value === undefined || value === null) return String(value);
  if (Array.isArray(value)) return `[${value.map(describe).join(", ")}]`;
  return typeof value;
}
