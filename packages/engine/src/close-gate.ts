import { DEFAULTS } from "@drain/core";

/** How long no new request may arrive before the listener is closed. Several event-loop turns on a busy machine. */
export const QUIET_MS = 50;
/** The longest responses are held while waiting for that quiet moment (a stream of new clients never stops). */
export const MAX_HOLD_MS = 1000;

/** Timer and clock seams, so tests drive time themselves. */
export interface GateTimers {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
  now(): number;
}

const REAL_TIMERS: GateTimers = {
  set: (callback, ms) => setTimeout(callback, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => performance.now(),
};

/**
 * Picks the moment to call a stop that closes the listener and every idle connection in one go (Bun's
 * `server.stop()`, Deno's `server.shutdown()`). Such a stop cuts a connection accepted a moment ago whose first
 * request is not read yet, and the kernel resets the ones still in the accept queue. During a drain every
 * response says `Connection: close`, so busy clients open a new connection per request and some are always in
 * that window (measured with 16 undici keep-alive loops: 13 to 16 requests written and then reset per run, on
 * Bun 1.4.5 and Deno 2.9.6). From `close()` on, the gate holds every response a handler returns: a client
 * waiting for its response opens no new connection. Once no request has arrived for {@link QUIET_MS} (at most
 * {@link MAX_HOLD_MS}), it runs the stop and then lets the held responses go; their clients reconnect to a closed
 * listener and are refused, which is safe to retry. A quiet period is only believed when the process kept up: a
 * timer that fires late means the loop stalled, and requests read meanwhile may not have reached the handler yet,
 * so the period starts again; and the stop waits one more turn of the loop for requests already read. Both waits are capped at `keepAliveGraceMs`: with 0 (no
 * protection asked for against clients writing their next request) the stop runs at once.
 */
export interface CloseGate {
  /**
   * True while the gate waits for its quiet moment, and while a stop that finishes later (`close`) runs; adapters
   * call `arrived` and `hold` only then.
   */
  readonly waiting: boolean;
  /** A request arrived while waiting: the quiet period starts again. */
  arrived(): void;
  /** Resolves with `value` once the stop ran or the gate gave up. */
  hold<T>(value: T): Promise<T>;
  /**
   * Wait for the quiet moment, then call `stop`. When `stop` returns false (not the moment after all) the held
   * responses go and `close()` may be called again. A stop that finishes later (Node takes what is left in the
   * accept queue first) returns a promise: what is held waits for it. A call while waiting does nothing.
   */
  close(stop: () => boolean | Promise<unknown>): void;
  /** Let every held response go now, without stopping (the force deadline, dispose). */
  cancel(): void;
  /** Stop now if the gate is still waiting for its quiet moment (the force deadline, dispose). */
  now(): void;
}

/**
 * Create a {@link CloseGate}.
 *
 * @example
 * ```ts
 * const gate = createCloseGate({ keepAliveGraceMs: options.keepAliveGraceMs });
 * // in the request wrapper: if (gate.waiting) { gate.arrived(); response = await gate.hold(response); }
 * gate.close(() => { server.stop(); return true; });
 * ```
 */
export function createCloseGate(
  options: { readonly keepAliveGraceMs?: unknown; readonly quietMs?: number; readonly maxHoldMs?: number; readonly timers?: GateTimers } = {},
): CloseGate {
  // The drain options are checked by the engine; an unusable value here just means the default.
  const grace = typeof options.keepAliveGraceMs === "number" && options.keepAliveGraceMs >= 0 ? options.keepAliveGraceMs : DEFAULTS.keepAliveGraceMs;
  const quietMs = Math.min(options.quietMs ?? QUIET_MS, grace);
  const maxHoldMs = Math.min(options.maxHoldMs ?? MAX_HOLD_MS, grace);
  const timers = options.timers ?? REAL_TIMERS;
  let stop: (() => boolean | Promise<unknown>) | undefined;
  // A stop that finishes later is running: what arrives meanwhile is held too.
  let stopping = false;
  let quiet: unknown;
  let longest: unknown;
  let held: (() => void)[] = [];

  const startQuiet = (): void => {
    timers.clear(quiet);
    const due = timers.now() + quietMs;
    quiet = timers.set(() => {
      // Late by a whole period: the process stalled, and what arrived meanwhile may not be dispatched yet.
      if (timers.now() - due >= quietMs) return startQuiet();
      // One more turn, so requests already read reach `arrived()` (which cancels this) before the stop.
      quiet = timers.set(() => settle(true), 0);
    }, quietMs);
  };

  const settle = (run: boolean): void => {
    const pending = stop;
    if (pending === undefined) return;
    stop = undefined;
    timers.clear(quiet);
    timers.clear(longest);
    const result = run ? pending() : undefined;
    if (result instanceof Promise) {
      stopping = true;
      void result.then(release, release);
    } else release();
  };

  // After the stop: these clients come back to a closed listener.
  const release = (): void => {
    stopping = false;
    const waiting = held;
    held = [];
    for (const resolve of waiting) resolve();
  };

  return {
    get waiting() {
      return stop !== undefined || stopping;
    },
    arrived(): void {
      if (stop !== undefined) startQuiet();
    },
    hold<T>(value: T): Promise<T> {
      if (stop === undefined && !stopping) return Promise.resolve(value);
      return new Promise<T>((resolve) => held.push(() => resolve(value)));
    },
    close(run: () => boolean | Promise<unknown>): void {
      if (stop !== undefined || stopping) return;
      stop = run;
      if (quietMs <= 0 || maxHoldMs <= 0) {
        settle(true);
        return;
      }
      startQuiet();
      longest = timers.set(() => settle(true), maxHoldMs);
    },
    cancel(): void {
      if (stop !== undefined) settle(false);
      else release();
    },
    now(): void {
      settle(true);
    },
  };
}
