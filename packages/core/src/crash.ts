import { notifyCut } from "./notify.ts";
import { beginShutdown, budgetOf, enterDrain, enterForce, escalate, hookReserve } from "./phases.ts";
import type { State } from "./state.ts";
import type { Command, ShutdownInput } from "./types.ts";

/**
 * A crash: a shutdown input that carries an uncaught error (`error`) and the crash budget (`timeoutMs`).
 *
 * - While serving: the drain starts at once, without notify (the process is in a state nobody planned for, so it
 *   takes no more new work than it must), with the crash budget as the whole budget.
 * - During a shutdown already running (notify, drain, cleanup): it goes on, but its budget ends no later than the
 *   crash budget from now (notify ends at once); the report carries the error.
 * - A second error while a crash drains forces at once, as a second signal does.
 *
 * The first error is the one the report keeps.
 */
export function requestCrashDrain(state: State, input: ShutdownInput, out: Command[]): void {
  if (state.crashError !== undefined) return escalate(state, out);
  const error = input.error ?? "";
  switch (state.phase) {
    case "serving":
      state.crashError = error;
      beginShutdown(state, input, 0);
      if (input.mode === "immediate") return enterForce(state, "immediate", out);
      return enterDrain(state, out);
    case "notify":
    case "drain":
    case "cleanup":
      state.crashError = error;
      shrinkBudget(state, budgetOf(input, state.options.timeoutMs));
      if (state.phase === "notify") {
        notifyCut(state, "crash");
        enterDrain(state, out);
      } else if (state.phase === "cleanup") {
        // The running hook gets no more than what is left; the ones after it get what remains, or are skipped.
        state.hookDeadline = Math.min(state.hookDeadline, state.budgetEnd);
      }
      return;
    default:
      // force is never seen between inputs; once stopped, the report is out and the error is the caller's.
      return;
  }
}

/** The budget ends no later than `budgetMs` from now; the force deadline keeps the hooks' reserve inside it. */
function shrinkBudget(state: State, budgetMs: number): void {
  const end = state.now + budgetMs;
  if (end >= state.budgetEnd) return;
  state.budgetEnd = end;
  state.forceAt = Math.min(state.forceAt, end - hookReserve(state, budgetMs));
}
