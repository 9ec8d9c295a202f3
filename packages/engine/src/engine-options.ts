import { drainError, resolveOptions, type Capabilities, type Mode, type ResolvedOptions } from "@drain/core";
import { resolveControlOptions } from "./control/options.ts";
import type { ControlSettings } from "./control/types.ts";
import type { DrainOptions, ExitPolicy, Logger, SignalName } from "./types.ts";

/** The engine's own option keys; the rest belong to the core and are checked there. */
const ENGINE_KEYS = ["signals", "exit", "logger", "mode", "env", "control"] as const;
const SIGNALS: readonly SignalName[] = ["SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT"];
/** Every shutdown mode, for the checks of options, `shutdown()` and the control endpoint. */
export const MODES: readonly Mode[] = ["graceful", "lameduck", "immediate"];

/** Under Kubernetes the endpoints controller needs a few seconds to stop routing to a terminating pod. */
const KUBERNETES_NOTIFY_MS = 5_000;

export interface EngineSettings {
  readonly core: ResolvedOptions;
  readonly signals: readonly SignalName[];
  readonly exit: Required<ExitPolicy> | false;
  readonly logger: Logger | false;
  readonly mode: Mode;
  readonly control: ControlSettings | undefined;
  /** systemd's notification socket (`NOTIFY_SOCKET` in `env`), when the process runs under it. */
  readonly notifySocket: string | undefined;
}

/** Validate every option at start-up; a mistake throws a DrainError with a stable code before anything listens. */
export function resolveEngineOptions(options: DrainOptions, capabilities: Capabilities): EngineSettings {
  if (options === null || typeof options !== "object") {
    throw drainError("ERR_DRAIN_INVALID_OPTION", "drain options must be an object, for example drain(server, { timeoutMs: 10_000 }).");
  }
  const { signals, exit, logger, mode, env, control, ...coreOptions } = options;
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
    notifySocket: typeof env?.["NOTIFY_SOCKET"] === "string" && env["NOTIFY_SOCKET"] !== "" ? env["NOTIFY_SOCKET"] : undefined,
  };
}

function resolveSignals(value: DrainOptions["signals"]): readonly SignalName[] {
  if (value === undefined) return ["SIGTERM", "SIGINT"];
  if (value === false) return [];
  if (!Array.isArray(value) || !value.every((name) => SIGNALS.includes(name))) {
    throw drainError("ERR_DRAIN_INVALID_OPTION", `signals must be false or a list of ${SIGNALS.join(", ")}; got ${String(value)}.`);
  }
  return [...new Set(value)];
}

function resolveExit(value: DrainOptions["exit"]): Required<ExitPolicy> | false {
  if (value === false) return false;
  if (value === undefined) return { clean: 0, forced: 1 };
  if (value === null || typeof value !== "object") {
    throw drainError("ERR_DRAIN_INVALID_OPTION", "exit must be false (leave the process alone) or { clean?: number, forced?: number }.");
  }
  const clean = value.clean ?? 0;
  const forced = value.forced ?? 1;
  for (const [key, code] of [["clean", clean], ["forced", forced]] as const) {
    if (!Number.isInteger(code) || code < 0 || code > 255) {
      throw drainError("ERR_DRAIN_INVALID_OPTION", `exit.${key} must be a whole number from 0 to 255, got ${String(code)}.`);
    }
  }
  return { clean, forced };
}

function resolveLogger(value: DrainOptions["logger"]): Logger | false {
  if (value === false) return false;
  if (value === undefined) return stderrLogger;
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
    throw drainError("ERR_DRAIN_INVALID_MODE", `mode must be one of ${MODES.join(", ")}, got ${String(value)}.`);
  }
  return value;
}

/** Short human lines on stderr (console.error is stderr on Node, Bun and Deno). */
const stderrLogger: Logger = {
  info: (message) => console.error(message),
  warn: (message) => console.error(message),
  error: (message) => console.error(message),
};
