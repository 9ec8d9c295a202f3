import { requestCrashDrain } from "./crash.ts";
import { buildReport } from "./report.ts";
import { recordForced } from "./forced-items.ts";
import { nextRandom } from "./random.ts";
import { destroy, goaway, markClosing, sayGoodbye } from "./farewell.ts";
import { startGrace } from "./grace.ts";
import type { State } from "./state.ts";
import { beginNotify, notifyCut } from "./notify.ts";
import { LAMEDUCK_TURN } from "./timers.ts";
import type { Command, HookDoneInput, HookReport, Id, Phase, ShutdownInput } from "./types.ts";

/**
 * What each phase does on entry, and the moves that inputs cause. Which move happens when is tabled in `step.ts`;
 * phases only ever move forward.
 */

function enter(state: State, phase: Phase, out: Command[]): void {
  const now = state.now;
  state.phase = phase;
  state.phaseLog.push({ phase, at: now });
  out.push({ type: "phase", phase, at: now });
}

export function stopAccepting(state: State, out: Command[]): void {
  if (state.stoppedAccepting) return;
  state.stoppedAccepting = true;
  state.listenerClosed = state.options.capabilities.reportsListenerClosed !== true;
  out.push({ type: "stop-accepting" });
}

function fireSignal(state: State, out: Command[]): void {
  if (state.signalled) return;
  state.signalled = true;
  out.push({ type: "abort-signal", reason: state.reason });
}

/** A shutdown request: the first one starts the sequence, a second one while it runs forces. */
export function requestShutdown(state: State, input: ShutdownInput, out: Command[]): void {
  // A crash (an uncaught error) has its own policy: crash.ts.
  if (input.error !== undefined) return requestCrashDrain(state, input, out);
  if (state.phase === "serving") {
    const { notifyMs } = state.options;
    beginShutdown(state, input, notifyMs);
    if (input.mode === "immediate") return enterForce(state, "immediate", out);
    if (notifyMs > 0) return enterNotify(state, out);
    return enterDrain(state, out);
  }
  escalate(state, out);
}

/** The first request's bookkeeping: mode, reason, seed, sorted hooks, the budget and the force deadline in it. */
export function beginShutdown(state: State, input: ShutdownInput, notifyMs: number): void {
  const now = state.now;
  state.mode = input.mode;
  state.reason = input.reason;
  state.rng = input.seed | 0;
  state.requestedAt = now;
  state.hooks = input.hooks
    .map((hook, index) => ({ hook, index }))
    .sort((a, b) => a.hook.order - b.hook.order || a.index - b.index)
    .map(({ hook }) => hook);
  const timeoutMs = budgetOf(input, state.options.timeoutMs);
  state.budgetEnd = now + timeoutMs;
  state.forceAt = state.budgetEnd - hookReserve(state, timeoutMs - notifyMs);
}

/**
 * Time kept back for the hooks at the end of a budget: no more than `cleanupMs` or what their timeouts add up to,
 * and never more than half of `drainWindow`, what the drain would get.
 */
export function hookReserve(state: State, drainWindow: number): number {
  const hookTime = state.hooks.reduce((sum, hook) => sum + hook.timeoutMs, 0);
  return Math.max(0, Math.min(state.options.cleanupMs, hookTime, drainWindow / 2));
}

/** A second request while one runs: force now (notify, drain), or stop waiting for the hooks (cleanup). */
export function escalate(state: State, out: Command[]): void {
  if (state.phase === "notify" || state.phase === "drain") {
    notifyCut(state, "escalated");
    state.escalated = true;
    state.mode = "immediate";
    return enterForce(state, "immediate", out);
  }
  if (state.phase === "cleanup") {
    // The hooks were already given their chance; a second request means "stop waiting for them".
    state.escalated = true;
    state.mode = "immediate";
    skipRemainingHooks(state);
    return enterStopped(state, out);
  }
}

/** The request's own budget when it brings a usable one; anything else falls back to the configured budget. */
export function budgetOf(input: ShutdownInput, configured: number): number {
  const own = input.timeoutMs;
  return typeof own === "number" && own >= 0 && Number.isFinite(own) ? own : configured;
}

function enterNotify(state: State, out: Command[]): void {
  enter(state, "notify", out);
  beginNotify(state);
  state.entities.forEach((entity, id) => {
    if (entity.inflight > 0) markClosing(state, id, entity, out);
  });
}

export function enterDrain(state: State, out: Command[]): void {
  enter(state, "drain", out);
  // A runtime that cannot close one connection closes *every* idle one when it stops accepting, cutting clients
  // that are writing their next request. So there, every response first carries `Connection: close` for one
  // keep-alive grace, letting each busy connection go after its response; only then does the listener close.
  state.listenerCloseAt = state.options.capabilities.closeConnection ? state.now : Math.min(state.now + state.options.keepAliveGraceMs, state.forceAt);
  if (state.now >= state.listenerCloseAt) stopAccepting(state, out);
  fireSignal(state, out);
  state.progressAt = state.now + state.options.progressEveryMs;
  const lameduck = state.mode === "lameduck";
  const longLived: Id[] = [];
  // forEach, not for-of: this runs once per shutdown, unoptimized, where an entry array and an iterator result per
  // entity cost about 200 ns and 175 bytes each (measured with 10,000 entities on Node 20 and 24).
  state.entities.forEach((entity, id) => {
    switch (entity.kind) {
      case "http1":
        if (entity.state === "never-used" || entity.state === "idle") {
          startGrace(state, id, entity, entity.state === "idle" ? "idle" : "never-used", out);
        } else if (entity.state === "active") {
          markClosing(state, id, entity, out);
        }
        return;
      case "http2":
        goaway(state, id, entity, out);
        return;
      case "request":
        if (entity.inflight > 0) markClosing(state, id, entity, out);
        return;
      case "sse":
      case "ws":
        if (lameduck) longLived.push(id);
        else sayGoodbye(state, id, entity, out);
        return;
    }
  });
  if (longLived.length > 0) spreadGoodbyes(state, longLived);
  checkDrained(state, out);
}

/** Lame duck: one goodbye per slot of an even split of the window, jittered inside its slot. */
function spreadGoodbyes(state: State, ids: readonly Id[]): void {
  const window = Math.max(0, Math.min(state.options.lameduckWindowMs, (state.forceAt - state.now) / 2));
  const n = ids.length;
  for (let i = 0; i < n; i++) {
    const at = state.now + Math.floor((window * (i + nextRandom(state))) / n);
    state.timers.push({ at, id: ids[i] as Id, tag: LAMEDUCK_TURN });
  }
}

/** Force whatever remains, then clean up. */
export function enterForce(state: State, why: "deadline" | "immediate", out: Command[]): void {
  enter(state, "force", out);
  stopAccepting(state, out);
  fireSignal(state, out);
  const { forceConnection } = state.options.capabilities;
  let leftForRuntime = 0;
  state.entities.forEach((entity, id) => {
    if (entity.kind === "sse" || entity.kind === "ws" || forceConnection) destroy(state, id, entity, why, out);
    else {
      leftForRuntime++;
      recordForced(state, id, entity);
    }
  });
  if (leftForRuntime > 0) {
    out.push({ type: "force-remaining", count: leftForRuntime });
    state.stats.forced += leftForRuntime;
  }
  state.entities.clear();
  state.timers.clear();
  enterCleanup(state, out);
}

/** The drain is over when nothing tracked is left. */
export function checkDrained(state: State, out: Command[]): void {
  if (state.phase === "drain" && state.entities.size === 0 && state.listenerClosed) enterCleanup(state, out);
}

function enterCleanup(state: State, out: Command[]): void {
  enter(state, "cleanup", out);
  state.timers.clear();
  state.hookIndex = -1;
  startNextHook(state, out);
}

/** Run the next hook with what is left of the budget; hooks that find none left are skipped. */
export function startNextHook(state: State, out: Command[]): void {
  for (state.hookIndex++; state.hookIndex < state.hooks.length; state.hookIndex++) {
    const hook = state.hooks[state.hookIndex];
    if (hook === undefined) continue;
    const left = state.budgetEnd - state.now;
    if (left <= 0) {
      state.hookReports.push({ name: hook.name, result: "skipped", durationMs: 0 });
      continue;
    }
    const timeoutMs = Math.min(hook.timeoutMs, left);
    state.hookStartedAt = state.now;
    state.hookDeadline = state.now + timeoutMs;
    out.push({ type: "run-hook", name: hook.name, timeoutMs });
    return;
  }
  enterStopped(state, out);
}

/** The running hook is done (or timed out): record it and go on. */
export function finishHook(state: State, result: HookReport["result"], error: string | undefined, out: Command[]): void {
  const hook = state.hooks[state.hookIndex];
  if (hook === undefined) return;
  const report: HookReport = { name: hook.name, result, durationMs: state.now - state.hookStartedAt };
  state.hookReports.push(error === undefined ? report : { ...report, error });
  startNextHook(state, out);
}

/** A hook settled: only the running one's news counts (a late one from a hook given up on is ignored). */
export function hookDone(state: State, input: HookDoneInput, out: Command[]): void {
  const running = state.phase === "cleanup" ? state.hooks[state.hookIndex] : undefined;
  if (running !== undefined && running.name === input.name) finishHook(state, input.error === undefined ? "ok" : "error", input.error, out);
}

/** The runtime reports its listener really closed: no connection can turn up any more. */
export function listenerClosed(state: State, out: Command[]): void {
  state.listenerClosed = true;
  checkDrained(state, out);
}

function skipRemainingHooks(state: State): void {
  const running = state.hooks[state.hookIndex];
  if (running !== undefined) {
    state.hookReports.push({ name: running.name, result: "skipped", durationMs: state.now - state.hookStartedAt, error: "a second shutdown request stopped waiting for it" });
  }
  for (let i = state.hookIndex + 1; i < state.hooks.length; i++) {
    const hook = state.hooks[i];
    if (hook !== undefined) state.hookReports.push({ name: hook.name, result: "skipped", durationMs: 0 });
  }
  state.hookIndex = state.hooks.length;
}

function enterStopped(state: State, out: Command[]): void {
  enter(state, "stopped", out);
  out.push({ type: "stopped", report: buildReport(state) });
}
