/** A deadline that can be moved: aborts its signal when it passes. Its timer is cleared by `clear()`. */
export interface Deadline {
  readonly signal: AbortSignal;
  /** Milliseconds the whole wait was allowed when it expired (for messages). */
  readonly totalMs: () => number;
  /** Milliseconds left before it passes (0 once passed). */
  readonly remainingMs: () => number;
  /** Move the deadline to `ms` from now. */
  readonly resetTo: (ms: number) => void;
  readonly clear: () => void;
}

/** The reason a {@link Deadline}'s signal aborts with, so callers tell a timeout from other failures. */
export class DeadlinePassed extends Error {
  override readonly name = "DeadlinePassed";
}

/**
 * Start a deadline `ms` from now.
 *
 * @example
 * ```ts
 * const deadline = startDeadline(30_000);
 * try { await work(deadline.signal); } finally { deadline.clear(); }
 * ```
 */
export function startDeadline(ms: number): Deadline {
  const controller = new AbortController();
  const startedAt = Date.now();
  let endsAt = startedAt + ms;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(new DeadlinePassed("deadline passed")), Math.max(0, endsAt - Date.now()));
  };
  arm();
  return {
    signal: controller.signal,
    totalMs: () => endsAt - startedAt,
    remainingMs: () => (controller.signal.aborted ? 0 : Math.max(0, endsAt - Date.now())),
    resetTo: (next) => {
      if (controller.signal.aborted) return;
      endsAt = Date.now() + next;
      arm();
    },
    clear: () => clearTimeout(timer),
  };
}
