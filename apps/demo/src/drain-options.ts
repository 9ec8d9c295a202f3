import type { DemoConfig } from "./config.ts";

/** drain's options for the demo; the same on every runtime. */
export interface DemoDrainOptions {
  readonly timeoutMs: number;
  readonly notifyMs?: number;
}

/**
 * The demo's drain options: its budget, and the notify window only when `NOTIFY_MS` set one (otherwise drain's
 * default: 0, or 5 s under Kubernetes).
 *
 * @example
 * ```ts
 * const d = drain(drainOptions(config));
 * ```
 */
export function drainOptions(config: DemoConfig): DemoDrainOptions {
  return config.notifyMs === undefined ? { timeoutMs: config.timeoutMs } : { timeoutMs: config.timeoutMs, notifyMs: config.notifyMs };
}
