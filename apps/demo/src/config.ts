/**
 * The demo's settings, read from the environment the same way on every runtime (each entry point passes its own
 * `env` lookup: `process.env` on Node and Bun, `Deno.env` on Deno).
 */

export interface DemoConfig {
  /** `PORT`, default 3000. */
  readonly port: number;
  /** Always loopback: the demo is for your own browser. */
  readonly hostname: "127.0.0.1";
  /** `TICK_MS`: one SSE tick this often, default 1000. */
  readonly tickMs: number;
  /** `TIMEOUT_MS`: drain's whole budget, default 20000. */
  readonly timeoutMs: number;
  /** `NOTIFY_MS`: how long readiness fails while still serving, before the drain; unset means drain's default. */
  readonly notifyMs: number | undefined;
}

/** An invalid setting, found at start-up. `code` is stable. */
export interface DemoConfigError extends Error {
  readonly code: "ERR_DEMO_INVALID_ENV";
}

/**
 * Read the settings, failing at once (with a message that names the variable) when one is not a usable number.
 *
 * @example
 * ```ts
 * const config = demoConfig((key) => process.env[key]);
 * ```
 */
export function demoConfig(env: (key: string) => string | undefined): DemoConfig {
  const notify = env("NOTIFY_MS");
  return {
    port: integer(env, "PORT", 3000, 0, 65_535),
    hostname: "127.0.0.1",
    tickMs: integer(env, "TICK_MS", 1_000, 10, 3_600_000),
    timeoutMs: integer(env, "TIMEOUT_MS", 20_000, 0, 3_600_000),
    notifyMs: notify === undefined || notify === "" ? undefined : integer(env, "NOTIFY_MS", 0, 0, 3_600_000),
  };
}

function integer(env: (key: string) => string | undefined, key: string, fallback: number, min: number, max: number): number {
  const raw = env(key);
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (Number.isInteger(value) && value >= min && value <= max) return value;
  const error = new Error(`${key} must be a whole number from ${min} to ${max}, got "${raw}". Fix or unset it and start again.`);
  throw Object.assign(error, { name: "DemoConfigError", code: "ERR_DEMO_INVALID_ENV" as const });
}
