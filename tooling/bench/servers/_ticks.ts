/**
 * The SSE event ids every benchmark instance serves: one id per tick of the wall clock (`TICK_MS` by default,
 * `TICK_MS` in the environment overrides it), the same on every instance of the machine, so a client that resumes on another instance with `Last-Event-ID: n` can check
 * that the next id it sees is n + 1. A stream resumed with `Last-Event-ID: n` first replays n + 1 up to the
 * current tick (at most `MAX_REPLAY`, the history a real server would keep), then follows the clock.
 *
 * A gap (what the rolling-restart benchmark counts) is an id that is not the previous id + 1 on one client's
 * logical stream: it happens when a client has to start over without `Last-Event-ID` (EventSource gives up on any
 * non-200 answer), or when a reconnect comes later than the replay history.
 */

/** Default milliseconds per tick (one event per tick). */
export const TICK_MS = 50;
/** Ticks a resumed stream replays at most. */
export const MAX_REPLAY = 600;

/** The tick number of a wall-clock time. */
export function currentTick(tickMs: number, now: number = Date.now()): number {
  return Math.floor(now / tickMs);
}

/** One SSE frame for tick `id`. */
export function tickFrame(id: number): string {
  return `id: ${id}\ndata: tick ${id}\n\n`;
}

/**
 * Send ticks to one stream: the replay after `lastEventId` (or the current tick for a fresh stream), then each
 * tick as the clock reaches it. Returns the function that stops the timer.
 */
export function startTicks(tickMs: number, lastEventId: string | null | undefined, send: (id: number) => void): () => void {
  const last = lastEventId === null || lastEventId === undefined || lastEventId === "" ? Number.NaN : Number(lastEventId);
  const now = currentTick(tickMs);
  let next = Number.isInteger(last) ? Math.max(last + 1, now - MAX_REPLAY) : now;
  // Catch up to the clock on every timer turn: timers drift, ids must not.
  const catchUp = (): void => {
    const until = currentTick(tickMs);
    while (next <= until) {
      send(next);
      next += 1;
    }
  };
  catchUp();
  const timer = setInterval(catchUp, tickMs);
  return (): void => clearInterval(timer);
}
