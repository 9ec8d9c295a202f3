import type { StreamLine } from "./protocol.ts";

type Timed = Extract<StreamLine, { type: "accepted" | "progress" }>;

/**
 * How long the server says its shutdown may still take, read from an `accepted` or `progress` line: `--wait`
 * allows this plus a margin from the moment the line arrived. `msToBudgetEnd` is the end of the whole budget,
 * cleanup hooks included (null once stopped: nothing left but the exit). A server older than that field only
 * sends `msToDeadline`, the force deadline, which comes before the hooks' share of the budget: better than
 * nothing; its null (cleanup, stopped) says nothing about the hooks, so it leaves the wait as it was
 * (`undefined`).
 *
 * @example
 * ```ts
 * const ms = msLeftInBudget(line);
 * if (ms !== undefined) deadline.resetTo(ms + WAIT_MARGIN_MS);
 * ```
 */
export function msLeftInBudget(line: Timed): number | undefined {
  if (line.msToBudgetEnd !== undefined) return line.msToBudgetEnd ?? 0;
  return line.msToDeadline ?? undefined;
}
