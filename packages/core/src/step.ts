import { advance } from "./clock.ts";
import { onClosed, onOpen, onRequest, onResponseEnd, onStreamOpen, onUpgrade } from "./connections.ts";
import { checkDrained, finishHook, requestShutdown } from "./phases.ts";
import type { State } from "./state.ts";
import type { Command, Input } from "./types.ts";

const NOTHING: readonly Command[] = Object.freeze([]);

/**
 * Feed one input; get the state back with the commands to carry out, in order. Pure: no I/O, no clock, no
 * randomness of its own. The state is updated in place (see `State`).
 *
 * @example
 * ```ts
 * let [state, commands] = step(s0, { type: "open", id: 1, kind: "http1", now: 0 });
 * [state, commands] = step(state, { type: "shutdown", mode: "graceful", reason: "SIGTERM", seed: 42, hooks: [], now: 5 });
 * // commands: phase drain, stop-accepting, abort-signal, close 1 (never-used), phase cleanup, phase stopped, stopped
 * ```
 */
export function step(state: State, input: Input): [State, readonly Command[]] {
  const out: Command[] = [];
  stepInto(state, input, out);
  return [state, out.length === 0 ? NOTHING : out];
}

/**
 * `step` for a caller that feeds every request: the commands are appended to `out` (which the caller may empty
 * and reuse), and no array or tuple is allocated when there is nothing to do, which is almost always while serving.
 *
 * @example
 * ```ts
 * const out: Command[] = [];
 * stepInto(state, { type: "request", id: 1, now: 10 }, out);
 * for (const command of out) run(command);
 * out.length = 0;
 * ```
 */
export function stepInto(state: State, input: Input, out: Command[]): void {
  if (input.now > state.now) state.now = input.now;
  switch (input.type) {
    case "open":
      onOpen(state, input, out);
      break;
    case "request":
      onRequest(state, input, out);
      break;
    case "response-end":
      onResponseEnd(state, input, out);
      break;
    case "upgrade":
      onUpgrade(state, input);
      break;
    case "stream-open":
      onStreamOpen(state, input, out);
      break;
    case "closed":
      onClosed(state, input, out);
      break;
    case "shutdown":
      requestShutdown(state, input, out);
      break;
    case "hook-done": {
      const running = state.phase === "cleanup" ? state.hooks[state.hookIndex] : undefined;
      if (running !== undefined && running.name === input.name) {
        finishHook(state, state.now, input.error === undefined ? "ok" : "error", input.error, out);
      }
      break;
    }
    case "listener-closed":
      state.listenerClosed = true;
      checkDrained(state, state.now, out);
      break;
    case "tick":
      break;
  }
  if (state.phase !== "serving" && state.phase !== "stopped") advance(state, out);
}
