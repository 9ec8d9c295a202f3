import type { State } from "./state.ts";
import type { HookReport, Mode } from "./types.ts";

/**
 * Reading the machine's state from outside it. The state's fields are the machine's own; callers read these.
 *
 * @example
 * ```ts
 * if (phase(state) === "drain") console.log(`${msToForce(state, clock())} ms left`, reason(state));
 * ```
 */

/** The modes a shutdown can run in, in the order the docs list them. */
export const MODES: readonly Mode[] = Object.freeze(["graceful", "lameduck", "immediate"] as const);

/** The running (or last) shutdown's mode; `graceful` before any. */
export function mode(state: State): Mode {
  return state.mode;
}

/** Why the shutdown was asked for; empty before any. */
export function reason(state: State): string {
  return state.reason;
}

/** Milliseconds until the drain is forced, during notify and drain; `undefined` otherwise. */
export function msToForce(state: State, now: number): number | undefined {
  return state.phase === "notify" || state.phase === "drain" ? state.forceAt - now : undefined;
}

/** What is left of the whole budget, cleanup hooks included; `undefined` while serving and once stopped. */
export function msToBudgetEnd(state: State, now: number): number | undefined {
  return state.phase === "serving" || state.phase === "stopped" ? undefined : state.budgetEnd - now;
}

/** Running totals while the shutdown runs: requests served during it, and everything forced so far. */
export function totals(state: State): { readonly requestsDuringShutdown: number; readonly forced: number } {
  const { stats } = state;
  return { requestsDuringShutdown: stats.requestsDuringShutdown, forced: stats.forced + stats.sseForced + stats.wsForced };
}

/** The hooks' reports so far, in the order they ended (a caller keeps its own index of what it has seen). */
export function hookReports(state: State): readonly HookReport[] {
  return state.hookReports;
}

/** The latest time the machine has seen (it never moves backwards). */
export function latestNow(state: State): number {
  return state.now;
}
