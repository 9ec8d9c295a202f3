import { checkDuration, drainError, MODES, resolveOptions, type Capabilities, type Mode, type ResolvedOptions } from "@drain/core";
import { resolveControlOptions } from "./control/options.ts";
import { resolveCrash, type CrashSettings } from "./crash.ts";
import type { ControlSettings } from "./control/types.ts";
import type { DrainOptions, ExitPolicy, Logger, SignalName } from "./types.ts";

/** The engine's own option keys; the rest belong to the core and are checked there. */
const ENGINE_KEYS = ["signals", "exit", "logger", "mode", "env", "control", "crash", "stillRunningAfterMs"] as const;
/** Long enough for an exit already under way (a flush, a last write) not to be reported as stuck. */
const STILL_RUNNING_AFTER_MS = 2_000;
const SIGNALS: readonly SignalName[] = ["SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT"];

/** sysexits.h's "internal software error": the exit code after a crash unless `exit.crashed` says otherwise. */
const EX_SOFTWARE = 70;

/** Under Kubernetes the endpoints controller needs a few seconds to stop routing to a terminating pod. */
const KUBERNETES_NOTIFY_MS = 5_000;

export interface EngineSettings {
  readonly core: ResolvedOptions;
  readonly signals: readonly SignalName[];
  readonly exit: Required<ExitPolicy> | false;
  readonly logger: Logger | false;
  readonly mode: Mode;
  readonly control: ControlSettings | undefined;
  /** The `crash` option: `undefined` when off. */
  readonly crash: CrashSettings | undefined;
  /** systemd's notification socket (`NOTIFY_SOCKET` in `env`), when the process runs under it. */
  readonly notifySocket: string | undefined;
  /** When to look at what still holds the process after the report (`exit: false` only); `false`: never. */
  readonly stillRunningAfterMs: number | false;
}

/** Validate every option at start-up; a mistake throws a DrainError with a stable code before anything listens. */
export function resolveEngineOptions(options: DrainOptions, capabilities: Capabilities): EngineSettings {
  assertOptionsObject(options);
  const { signals, exit, logger, mode, env, control, crash, stillRunningAfterMs, ...coreOptions } = options;
  if (env !== undefined && (env === null || typeof env !== "object" || Array.isArray(env))) {
    throw drainError("ERR_DRAIN_INVALID_OPTION", `env must be an object of environment variables (process.env, Deno.env.toObject()), got ${describeValue(env)}.`);
  }
  const underKubernetes = typeof env?.["KUBERNETES_SERVICE_HOST"] === "string" && env["KUBERNETES_SERVICE_HOST"] !== "";
  const notifyDefault = underKubernetes && coreOptions.notifyMs === undefined ? { notifyMs: KUBERNETES_NOTIFY_MS } : {};
  const core = resolveOptions({ ...notifyDefault, ...coreOptions, capabilities }, ENGINE_KEYS);
  return {
    core,
    signals: resolveSignals(signals),
    exit: resolveExit(exit),
    logger: resolveLogger(logger),
    mode: resolveMode(mode),
    control: resolveControlOptions(control),
    crash: resolveCrash(crash),
    notifySocket: typeof env?.["NOTIFY_SOCKET"] === "string" && env["NOTIFY_SOCKET"] !== "" ? env["NOTIFY_SOCKET"] : undefined,
    stillRunningAfterMs: stillRunningAfterMs === false ? false : stillRunningAfterMs === undefined ? STILL_RUNNING_AFTER_MS : checkDuration("stillRunningAfterMs", stillRunningAfterMs),
  };
}

/**
 * Throw `ERR_DRAIN_INVALID_OPTION` unless `options` is an options object. Adapters call it before they read or
 * spread the options, so `drain(server, null)` or `drain("x")` fail with a code, never a bare TypeError.
 *
 * @example
 * ```ts
 * export function drain(server: Server, options: NodeDrainOptions = {}): NodeDrain {
 *   assertOptionsObject(options);
 *   const { websockets, ...engineOptions } = options;
 * ```
 */
export function assertOptionsObject(options: unknown): asserts options is object {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw drainError("ERR_DRAIN_INVALID_OPTION", `drain options must be an object, for example drain(server, { timeoutMs: 10_000 }), got ${describeValue(options)}.`);
  }
}

/** A value for an error message; never throws, whatever it is (a null-prototype object, a symbol, a proxy). */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
    case "number":
    case "boolean":
    case "undefined":
    case "bigint":
      return String(value);
    case "symbol":
      return "a symbol";
    case "function":
      return "a function";
    default:
      return value === null ? "null" : Array.isArray(value) ? "an array" : "an object";
  }
}

function resolveSignals(value: DrainOptions["signals"]): readonly SignalName[] {
  if (value === undefined) return ["SIGTERM", "SIGINT"];
  if (value === false) return [];
  if (!Array.isArray(value) || !value.every((name) => SIGNALS.includes(name))) {
    const bad = Array.isArray(value) ? describeValue((value as unknown[]).find((name) => !SIGNALS.includes(name as SignalName))) : describeValue(value);
    throw drainError("ERR_DRAIN_INVALID_OPTION", `signals must be false or a list of ${SIGNALS.join(", ")}; got ${Array.isArray(value) ? `one that is ${bad}` : bad}.`);
  }
  return [...new Set(value)];
}

function resolveExit(value: DrainOptions["exit"]): Required<ExitPolicy> | false {
  if (value === false) return false;
  if (value === undefined) return { clean: 0, forced: 1, crashed: EX_SOFTWARE };
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw drainError("ERR_DRAIN_INVALID_OPTION", "exit must be false (leave the process alone) or { clean?: number, forced?: number, crashed?: number }.");
  }
  const extra = Object.keys(value).find((key) => key !== "clean" && key !== "forced" && key !== "crashed");
  if (extra !== undefined) {
    throw drainError("ERR_DRAIN_UNKNOWN_OPTION", `Unknown exit option ${JSON.stringify(extra)}. Known: clean, forced, crashed (for example exit: { clean: 0, forced: 3 }).`);
  }
  const clean = value.clean ?? 0;
  const forced = value.forced ?? 1;
  const crashed = value.crashed ?? EX_SOFTWARE;
  for (const [key, code] of [["clean", clean], ["forced", forced], ["crashed", crashed]] as const) {
    if (!Number.isInteger(code) || code < 0 || code > 255) {
      throw drainError("ERR_DRAIN_INVALID_OPTION", `exit.${key} must be a whole number from 0 to 255, got ${describeValue(code)}.`);
    }
  }
  return { clean, forced, crashed };
}

function resolveLogger(value: DrainOptions["logger"]): Logger | false {
  if (value === false) return false;
  if (value === undefined) return stderrLogger;
  if (value === null || typeof value !== "object") {
    throw drainError("ERR_DRAIN_INVALID_OPTION", `logger must be an object with info, warn and error methods (console and pino fit), or false; got ${describeValue(value)}.`);
  }
  for (const method of ["info", "warn", "error"] as const) {
    if (typeof (value as Partial<Logger>)[method] !== "function") {
      throw drainError("ERR_DRAIN_INVALID_OPTION", `logger must have info, warn and error methods (console and pino fit), or be false; ${method} is missing.`);
    }
  }
  return value;
}

function resolveMode(value: DrainOptions["mode"]): Mode {
  if (value === undefined) return "graceful";
  if (!MODES.includes(value)) {
    throw drainError("ERR_DRAIN_INVALID_MODE", `mode must be one of ${MODES.join(", ")}, got ${describeValue(value)}.`);
  }
  return value;
}

/** Short human lines on stderr (console.error is stderr on Node, Bun and Deno). */
const stderrLogger: Logger = {
  info: (message) => console.error(message),
  warn: (message) => console.error(message),
  error: (message) => console.error(message),
};
