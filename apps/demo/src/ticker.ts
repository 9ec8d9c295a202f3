/**
 * The ticker's clock. Tick `n` happens at `TICKER_EPOCH_MS + n * tickMs`, so every instance numbers ticks the same
 * way and an id means the same tick on whichever instance sends it. A client that reconnects with `Last-Event-ID`
 * gets every tick it missed (they are computed, not stored), then the live ones: no id is lost across a restart.
 */

/** A fixed start for tick numbers; any constant works as long as every instance uses the same one. */
export const TICKER_EPOCH_MS: number = Date.UTC(2026, 0, 1);

/** At most this many missed ticks are replayed to a reconnecting client; an older `Last-Event-ID` starts live. */
export const MAX_REPLAYED_TICKS = 600;

/**
 * The number of the latest tick at `nowMs`.
 *
 * @example
 * ```ts
 * tickAt(TICKER_EPOCH_MS + 2_500, 1_000); // 2
 * ```
 */
export function tickAt(nowMs: number, tickMs: number): number {
  return Math.floor((nowMs - TICKER_EPOCH_MS) / tickMs);
}

/**
 * When tick `tick` happens, in epoch milliseconds.
 *
 * @example
 * ```ts
 * tickTime(2, 1_000) - TICKER_EPOCH_MS; // 2_000
 * ```
 */
export function tickTime(tick: number, tickMs: number): number {
  return TICKER_EPOCH_MS + tick * tickMs;
}

/**
 * The first tick to send on a new stream: the one after `Last-Event-ID` when the client sent a usable one (so missed
 * ticks are replayed), otherwise the current tick.
 *
 * @example
 * ```ts
 * const now = tickTime(100, 1_000);
 * firstTick(undefined, now, 1_000); // 100: a new client starts live
 * firstTick("97", now, 1_000); // 98: a reconnecting client gets 98, 99, 100, then the live ticks
 * ```
 */
export function firstTick(lastEventId: string | undefined, nowMs: number, tickMs: number): number {
  const current = tickAt(nowMs, tickMs);
  if (lastEventId === undefined || !/^\d{1,15}$/.test(lastEventId)) return current;
  const last = Number(lastEventId);
  // Too old to replay, or from a clock far ahead of ours (not one of our ids): start live.
  if (current - last > MAX_REPLAYED_TICKS || last - current > MAX_REPLAYED_TICKS) return current;
  // A little ahead (another instance's clock runs early): continue after it, so no id repeats.
  return last + 1;
}
