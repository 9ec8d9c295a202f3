/** Clock and timer seams, for tests that drive time themselves. Production uses `performance.now` and `setTimeout`. */
export interface EngineClock {
  now(): number;
  setTimer(callback: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
  /**
   * A one-off timer that never keeps the process alive by itself (unref'd): for looking at the process after the
   * report. Optional: without it that look is not taken.
   */
  setBackgroundTimer?(callback: () => void, ms: number): void;
}

export const realClock: EngineClock = {
  now: () => performance.now(),
  setTimer: (callback, ms) => setTimeout(callback, ms),
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  setBackgroundTimer: (callback, ms) => {
    const timer: unknown = setTimeout(callback, ms);
    // Node, Bun and Deno (2.x) timers all have unref(); a runtime without it gets no look rather than a held process.
    const unref = (timer as { unref?: () => void }).unref;
    if (typeof unref === "function") unref.call(timer);
    else clearTimeout(timer as ReturnType<typeof setTimeout>);
  },
};
