import { drainError } from "@drain/core";
import type { ControlHost, ControlSettings } from "./types.ts";

const HOSTS: readonly ControlHost[] = ["127.0.0.1", "::1", "localhost"];
const KEYS_UNIX: readonly string[] = ["socket", "token", "rateLimit"];
const KEYS_TCP: readonly string[] = ["port", "host", "token", "rateLimit"];
/** Defaults: a supervisor and a person at a terminal never need more; a script in a loop gets 429. */
const DEFAULT_RATE = { burst: 10, perSecond: 5 } as const;
/** Unix socket paths are limited by `sockaddr_un.sun_path` (108 bytes on Linux, 104 on macOS, one for the NUL). */
const MAX_SOCKET_PATH_BYTES = 103;

/**
 * Check `control` at start-up. `undefined` means no control endpoint.
 *
 * @example
 * ```ts
 * resolveControlOptions({ socket: "/run/app/drain.sock" }); // { endpoint: { transport: "unix", path: … }, … }
 * resolveControlOptions({ port: 9000, host: "0.0.0.0", token }); // throws ERR_DRAIN_INVALID_OPTION: loopback only
 * resolveControlOptions({ port: 9000 }); // throws ERR_DRAIN_INVALID_OPTION: TCP needs a token
 * ```
 */
export function resolveControlOptions(value: unknown): ControlSettings | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw invalid('control must be { socket: "/run/app/drain.sock" } or { port: 9090, host: "127.0.0.1" }.');
  }
  const record = value as Record<string, unknown>;
  const hasSocket = record["socket"] !== undefined;
  const hasPort = record["port"] !== undefined;
  if (hasSocket === hasPort) {
    throw invalid('control needs exactly one of socket (a Unix socket path) or port (loopback TCP), for example { socket: "/run/app/drain.sock" }.');
  }
  const known = hasSocket ? KEYS_UNIX : KEYS_TCP;
  for (const key of Object.keys(record)) {
    if (!known.includes(key)) {
      throw drainError("ERR_DRAIN_UNKNOWN_OPTION", `Unknown control option "${key}". Known with ${hasSocket ? "socket" : "port"}: ${known.join(", ")}.`);
    }
  }
  const common = { token: resolveToken(record["token"]), rateLimit: resolveRate(record["rateLimit"]) };
  if (hasPort && common.token === undefined) {
    // The socket's mode 0600 keeps other users out; a loopback port does not (any local user, any sidecar).
    throw invalid(
      'control over TCP needs a token: every local user and every container sharing the pod\'s loopback can reach the port. Set control.token to a secret of at least 16 characters (for example process.env.DRAIN_CONTROL_TOKEN, made with `openssl rand -hex 16`; `drain` reads the same variable), or use a Unix socket: { socket: "/run/app/drain.sock" }.',
    );
  }
  if (hasSocket) return { endpoint: { transport: "unix", path: resolveSocket(record["socket"]) }, ...common };
  return { endpoint: { transport: "tcp", host: resolveHost(record["host"]), port: resolvePort(record["port"]) }, ...common };
}

function resolveSocket(value: unknown): string {
  if (typeof value !== "string" || value === "" || value.includes("\0")) {
    throw invalid(`control.socket must be a file path such as "/run/app/drain.sock", got ${describe(value)}.`);
  }
  if (new TextEncoder().encode(value).length > MAX_SOCKET_PATH_BYTES) {
    throw invalid(`control.socket is longer than a Unix socket path may be (${MAX_SOCKET_PATH_BYTES} bytes): use a shorter path, such as one under /run.`);
  }
  return value;
}

function resolveHost(value: unknown): ControlHost {
  if (value === undefined) return "127.0.0.1";
  if (typeof value === "string" && (HOSTS as readonly string[]).includes(value)) return value as ControlHost;
  throw invalid(
    `the control endpoint binds to loopback only; use host "127.0.0.1", "::1" or "localhost" (got ${describe(value)}), or a Unix socket: { socket: "/run/app/drain.sock" }.`,
  );
}

function resolvePort(value: unknown): number {
  if (typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 65_535) return value;
  throw invalid(`control.port must be a whole number from 0 to 65535 (0 picks a free port), got ${describe(value)}.`);
}

function resolveToken(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value.length < 16 || /\s/.test(value)) {
    throw invalid("control.token must be a string of at least 16 characters without spaces (for example 32 random hex digits), or left out.");
  }
  return value;
}

function resolveRate(value: unknown): ControlSettings["rateLimit"] {
  if (value === undefined) return DEFAULT_RATE;
  if (value === null || typeof value !== "object") {
    throw invalid(`control.rateLimit must be { burst, perSecond }, for example { burst: ${DEFAULT_RATE.burst}, perSecond: ${DEFAULT_RATE.perSecond} }.`);
  }
  const { burst = DEFAULT_RATE.burst, perSecond = DEFAULT_RATE.perSecond, ...rest } = value as Record<string, unknown>;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) throw drainError("ERR_DRAIN_UNKNOWN_OPTION", `Unknown control.rateLimit option "${extra}". Known: burst, perSecond.`);
  if (typeof burst !== "number" || !Number.isInteger(burst) || burst < 1 || burst > 10_000) {
    throw invalid(`control.rateLimit.burst must be a whole number from 1 to 10000, got ${describe(burst)}.`);
  }
  if (typeof perSecond !== "number" || !(perSecond > 0) || perSecond > 10_000) {
    throw invalid(`control.rateLimit.perSecond must be a number above 0 and at most 10000, got ${describe(perSecond)}.`);
  }
  return { burst, perSecond };
}

function invalid(message: string): Error {
  return drainError("ERR_DRAIN_INVALID_OPTION", message);
}

function describe(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : typeof value === "object" && value !== null ? typeof value : String(value);
}
