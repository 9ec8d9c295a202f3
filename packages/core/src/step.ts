import { dropStaleTimers, fireDueTimers, reportProgress } from "./clock.ts";
import { onClosed, onOpen, onRequest, onResponseEnd, onStreamOpen, onUpgrade } from "./connections.ts";
import { notifyOver, onProbe } from "./notify.ts";
import { checkDrained, enterDrain, enterForce, finishHook, hookDone, listenerClosed, requestShutdown, stopAccepting } from "./phases.ts";
import { markReady } from "./readiness.ts";
import type { State } from "./state.ts";
import { foldTallies } from "./tally.ts";
import type { Command, Input } from "./types.ts";

/*
 * The machine's transitions, in one place (in the spirit of h11's `_state.py`). Phases only move forward:
 *
 * | from          | to      | on                                                               | where                |
 * | ------------- | ------- | ---------------------------------------------------------------- | -------------------- |
 * | serving       | notify  | `shutdown` (graceful, lameduck) with `notifyMs` (adaptive: `maxMs`) > 0 | phases `requestShutdown` |
 * | serving       | drain   | `shutdown` (graceful, lameduck) with `notifyMs` = 0              | phases `requestShutdown` |
 * | serving       | force   | `shutdown` immediate                                             | phases `requestShutdown` |
 * | serving       | drain   | `shutdown` with `error` (a crash): no notify, the crash budget   | crash `requestCrashDrain` |
 * | notify        | drain   | a first crash during the shutdown (its budget shrinks too)       | crash `requestCrashDrain` |
 * | notify        | drain   | `notifyMs` passed, or (adaptive) `quietMs` without an arrival, in [`minMs`, `maxMs`]; or `forceAt` | `advance` below, notify.ts |
 * | notify, drain | force   | a second `shutdown`, or a second crash                           | phases `escalate`    |
 * | drain         | force   | time reaches `forceAt`                                           | `advance` below      |
 * | drain         | cleanup | nothing tracked is left and the listener is closed               | phases `checkDrained` |
 * | force         | cleanup | at once, once what is left is destroyed or left to the runtime   | phases `enterForce`  |
 * | cleanup       | stopped | the last hook is done, timed out or skipped; or a second `shutdown` or crash | phases `startNextHook`, `escalate` |
 *
 * What each input does, by phase and connection kind (h1 = `http1`, h2 = `http2`, req = `request`):
 *
 * | input           | serving                | notify                        | drain                                              | force, cleanup, stopped |
 * | --------------- | ---------------------- | ----------------------------- | -------------------------------------------------- | ----------------------- |
 * | open            | track, never-used      | track; an arrival             | track; h1 starts its grace, h2 gets GOAWAY         | destroy when it can     |
 * | request         | active                 | active, mark-closing; arrival | active, mark-closing                               | (forgotten)             |
 * | response-end    | idle                   | idle                          | idle; h1 starts its grace                          | (forgotten)             |
 * | upgrade         | upgraded               | upgraded                      | upgraded                                           | (forgotten)             |
 * | stream-open     | track sse / ws         | track; an arrival             | goodbye at once (sse `retry:`, ws 1001)            | destroy                 |
 * | closed          | forget                 | forget; unused: taken back    | forget; may end the drain                          | forget                  |
 * | shutdown        | start (see above)      | force                         | force                                              | cleanup: stop; else —   |
 * | hook-done       | —                      | —                             | —                                                  | cleanup: next hook      |
 * | listener-closed | noted                  | noted                         | noted; may end the drain                           | noted                   |
 * | ready           | noted: readiness 200   | noted (readiness 503)         | noted (readiness 503)                              | noted                   |
 * | tick            | —                      | time only (`advance`)         | time only (`advance`)                              | time only (`advance`)   |
 * | probe           | —                      | its arrivals taken back       | —                                                  | —                       |
 *
 * The drain's first step, by kind (phases `enterDrain`): h1 idle or never-used starts its grace (grace.ts), h1
 * active gets mark-closing, h2 gets GOAWAY, req in flight gets mark-closing, sse and ws get their goodbye (spread
 * over a window in lame-duck mode). The per-entity effects (goodbyes, closes, counts) are in farewell.ts.
 */

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
  // What was counted without a step joins the picture before anything can act on it (see tally.ts).
  if (state.tallies.size !== 0) foldTallies(state);
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
    case "hook-done":
      hookDone(state, input, out);
      break;
    case "listener-closed":
      listenerClosed(state, out);
      break;
    case "ready":
      markReady(state);
      break;
    case "probe":
      onProbe(state, input);
      break;
    case "tick":
      break;
  }
  if (state.phase !== "serving" && state.phase !== "stopped") advance(state, out);
}

/** Everything that happens because time passed. Runs after every input, so a late tick loses nothing. */
function advance(state: State, out: Command[]): void {
  const now = state.now;
  if (state.phase === "notify" && notifyOver(state)) enterDrain(state, out);
  if (state.phase === "drain" && !state.stoppedAccepting && now >= state.listenerCloseAt) {
    stopAccepting(state, out);
    checkDrained(state, out);
  }
  if (state.phase === "drain") fireDueTimers(state, out);
  if (state.phase === "drain" && now >= state.forceAt) enterForce(state, "deadline", out);
  if (state.phase === "drain" && now >= state.progressAt) reportProgress(state, out);
  if (state.phase === "cleanup" && state.hookIndex < state.hooks.length && now >= state.hookDeadline) {
    finishHook(state, "timeout", undefined, out);
  }
  dropStaleTimers(state);
}
