import { latestNow, nextDeadline, phase, stepInto, type Command, type Input, type State } from "@drain/core";
import type { EngineClock } from "./clock.ts";

/** An input as callers write it: the loop stamps the time. */
export type InputWithoutNow = Input extends infer I ? (I extends Input ? Omit<I, "now"> : never) : never;

/** The one way inputs reach the core, and the one timer that feeds it `tick`s. */
export interface FeedLoop {
  /** Feed one input (stamped with the time here) and carry out what it causes. Ignored once stopped. */
  feed(input: InputWithoutNow | Input): void;
  /** No more inputs and no timer, for good. */
  stop(): void;
  readonly stopped: boolean;
}

/**
 * Feed the core and keep its one timer armed at `nextDeadline`. Commands can cause inputs (ending a stream closes
 * it): those queue up and run in order, after the command list that caused them.
 *
 * @example
 * ```ts
 * const loop = createFeedLoop(state, clock, (command) => effects.run(command), () => effects.emitHookReports());
 * loop.feed({ type: "open", id: 1, kind: "http1" });
 * // With an adapter that counts HTTP/1 requests itself while serving, pass its `settle` as the last argument.
 * ```
 */
export function createFeedLoop(state: State, clock: EngineClock, run: (command: Command) => void, afterStep: () => void, settle?: (next?: Input) => void): FeedLoop {
  let stopped = false;
  let timer: unknown;
  let timerAt: number | undefined;
  const queue: Input[] = [];
  const commands: Command[] = [];
  let feeding = false;

  /**
   * Runs twice per request, so it stays lean: the input is stamped with `now` in place (every caller passes a
   * fresh literal), because copying it with `{ ...input, now }` costs about a microsecond on Node 20 (measured).
   * The per-request literals carry a `now: 0` placeholder, so the stamp is a plain store rather than a new property.
   */
  function feed(input: InputWithoutNow | Input): void {
    if (stopped) return;
    const timed = input as Input;
    // While serving, nothing reads a request's time (a response end's is read, for the keep-alive grace), and a
    // clock read costs 50-65 ns on the machines measured: a request then takes the core's latest time instead.
    (timed as { now: number }).now = timed.type === "request" && phase(state) === "serving" ? latestNow(state) : clock.now();
    if (feeding) {
      queue.push(timed);
      return;
    }
    feeding = true;
    try {
      let next: Input | undefined = timed;
      while (next !== undefined) {
        // One reused array: a command only ever queues further inputs (see above), so nothing steps while it is
        // read; emptied before each step (when needed: setting the length is a runtime call) so a command that
        // threw leaves nothing behind for the next feed.
        if (commands.length !== 0) commands.length = 0;
        // What the adapter kept itself while serving joins the core's picture before the core acts on it (the
        // adapter is told the input, see `RuntimeBinding.settle`), and once more right after the step that ends
        // serving, when the adapter goes back to feeding each request.
        const wasServing = settle !== undefined && state.phase === "serving";
        if (wasServing) settle(next);
        stepInto(state, next, commands);
        if (wasServing && state.phase !== "serving") settle();
        for (let i = 0; i < commands.length; i++) run(commands[i] as Command);
        afterStep();
        next = queue.length === 0 ? undefined : queue.shift();
      }
    } finally {
      feeding = false;
    }
    rearm();
  }

  function rearm(): void {
    const at = phase(state) === "stopped" || stopped ? undefined : nextDeadline(state);
    if (at === timerAt) return;
    if (timer !== undefined) clock.clearTimer(timer);
    timer = undefined;
    timerAt = at;
    if (at === undefined) return;
    timer = clock.setTimer(() => {
      timer = undefined;
      timerAt = undefined;
      feed({ type: "tick" });
    }, Math.max(0, Math.ceil(at - clock.now())));
  }

  return {
    feed,
    stop() {
      stopped = true;
      if (timer !== undefined) clock.clearTimer(timer);
      timer = undefined;
    },
    get stopped() {
      return stopped;
    },
  };
}
