import type { State } from "./state.ts";

/**
 * Readiness at start-up. An app that needs time before it can take traffic (caches to warm, migrations to run)
 * starts with `startReady: false` and feeds `ready` when it can; until then readiness fails while liveness holds.
 * Readiness is "ready and still serving": a `ready` after the shutdown was requested is noted but never makes the
 * server look ready again, and a shutdown that comes before `ready` drains like any other.
 */

/** The app is ready. Idempotent. */
export function markReady(state: State): void {
  state.ready = true;
}

/**
 * Whether readiness should pass now: the app is ready (or started so) and no shutdown was requested.
 *
 * @example
 * ```ts
 * const s0 = initial({ startReady: false, capabilities });
 * isReady(s0); // false: still starting
 * const [s1] = step(s0, { type: "ready", now: 10 });
 * isReady(s1); // true
 * ```
 */
export function isReady(state: State): boolean {
  return state.ready && state.phase === "serving";
}

