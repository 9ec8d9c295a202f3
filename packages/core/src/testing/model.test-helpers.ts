/**
 * An independent model of what the core was told, and a checker that holds every command the core emits
 * against it. It knows nothing of the implementation: only inputs, commands, `phase`, `nextDeadline` and the
 * contract in `types.ts`. Test-only; not exported.
 */
import { FORCED_ITEMS_LIMIT, isReady, nextDeadline, phase } from "../index.ts";
import type { Command, HookSpec, Id, Input, Kind, Mode, Phase, Report, ResolvedOptions } from "../types.ts";
import type { State } from "./fixtures.test-helpers.ts";

const PHASES: readonly Phase[] = ["serving", "notify", "drain", "force", "cleanup", "stopped"];
const CONNECTION_KINDS: readonly Kind[] = ["http1", "http2", "request"];

/** What the model knows about one id, from inputs and from the commands about it. */
export interface Entity {
  readonly id: Id;
  readonly kind: Kind;
  /** A `closed` input arrived: the id is gone. */
  closed: boolean;
  requests: number;
  everRequested: boolean;
  lastEnd: number | undefined;
  lastEndClosing: boolean;
  upgraded: boolean;
  /** The connection under a stream, when the adapter said. */
  conn: Id | undefined;
  /** For an upgraded connection: the WebSocket on it. */
  ws: Id | undefined;
  /** A response ended with `Connection: close`: the runtime closes this connection itself. */
  runtimeCloses: boolean;
  /** `close`, `destroy`, or covered by a `force-remaining`. */
  terminal: "close" | "destroy" | "force-remaining" | undefined;
  sseEnded: boolean;
  wsCloseAt: number | undefined;
  goaway: boolean;
  /** When its open arrived: a forced item's age is the force time minus this. */
  readonly openedAt: number;
}

/** Counts of commands, to hold the report against. */
interface Tally {
  closedIdle: number;
  closedNeverUsed: number;
  closedAfterResponse: number;
  forcedConnections: number;
  forceRemaining: number;
  sseEnded: number;
  sseForced: number;
  wsClosed: number;
  wsCutAfterCloseTimeout: number;
  wsForced: number;
}

/** One `run-hook` as emitted. */
interface HookRun {
  readonly name: string;
  readonly start: number;
  readonly timeoutMs: number;
  done: boolean;
}

/** Thrown on the first broken invariant, with the inputs that led there. */
export class InvariantError extends Error {
  constructor(message: string, inputs: readonly Input[]) {
    const tail = inputs.slice(-40).map((i) => JSON.stringify(i)).join("\n  ");
    super(`${message}\n after ${inputs.length} inputs (last 40):\n  ${tail}`);
    this.name = "InvariantError";
  }
}

export class Checker {
  readonly entities = new Map<Id, Entity>();
  readonly inputs: Input[] = [];
  readonly commands: Command[] = [];
  now = Number.NEGATIVE_INFINITY;
  /** Index in PHASES of the last phase command, and of the last `phase(state)`. */
  phaseIndex = 0;
  statePhaseIndex = 0;
  stopAccepting = 0;
  /** When the first drain or force phase began. */
  drainAt: number | undefined;
  stopped = 0;
  report: Report | undefined;
  /** What the commands forced (deadline, immediate), by id: the report's `forcedItems` must list them. */
  readonly forced = new Map<Id, { readonly kind: Kind; readonly ageMs: number }>();
  firstShutdown: { mode: Mode; now: number; hooks: readonly HookSpec[] } | undefined;
  shutdowns = 0;
  /** The first crash (a shutdown input with `error`) before stopped: its error, and when its budget ends at the latest. */
  crash: { readonly error: string; readonly end: number } | undefined;
  escalationExpected = false;
  requestsDuringShutdown = 0;
  readonly runs: HookRun[] = [];
  readonly hookDone = new Map<string, string | undefined>();
  readonly tally: Tally = {
    closedIdle: 0,
    closedNeverUsed: 0,
    closedAfterResponse: 0,
    forcedConnections: 0,
    forceRemaining: 0,
    sseEnded: 0,
    sseForced: 0,
    wsClosed: 0,
    wsCutAfterCloseTimeout: 0,
    wsForced: 0,
  };

  readonly options: ResolvedOptions;
  /** A `ready` input was fed. */
  private saidReady = false;

  constructor(options: ResolvedOptions) {
    this.options = options;
  }

  /** Ids still open as far as inputs tell. */
  live(): Entity[] {
    return [...this.entities.values()].filter((e) => !e.closed);
  }

  get phaseName(): Phase {
    return PHASES[this.statePhaseIndex] as Phase;
  }

  get forceBegan(): boolean {
    return this.statePhaseIndex >= PHASES.indexOf("force");
  }

  private fail(message: string): never {
    throw new InvariantError(message, this.inputs);
  }

  /** Record one step: the input, the commands it produced and the state after it. Throws on a broken invariant. */
  observe(input: Input, commands: readonly Command[], state: State): void {
    this.inputs.push(input);
    if (input.now < this.now) this.fail(`test bug: time went back from ${this.now} to ${input.now}`);
    this.now = input.now;
    const phaseBefore = this.phaseName;
    this.applyInput(input, phaseBefore);

    if (this.stopped > 0 && commands.length > 0) this.fail(`commands after stopped: ${JSON.stringify(commands)}`);
    if (this.firstShutdown === undefined && commands.length > 0) this.fail(`commands while serving: ${JSON.stringify(commands)}`);

    let startedDrainOrForce = false;
    let forcedThisStep = false;
    let lastPhase: Phase | undefined;
    for (const command of commands) {
      this.commands.push(command);
      if (command.type === "phase") {
        lastPhase = command.phase;
        if (command.phase === "drain" || command.phase === "force") startedDrainOrForce = true;
        if (command.phase === "force") forcedThisStep = true;
      }
      this.applyCommand(command, input.now);
    }

    // After the step.
    if (startedDrainOrForce && this.drainAt === undefined) this.drainAt = input.now;
    if (this.drainAt !== undefined && this.stopAccepting !== 1 && this.listenerMustBeClosed(input.now)) {
      this.fail(`the drain began at ${this.drainAt} and stop-accepting has not come by ${input.now}`);
    }
    const statePhase = phase(state);
    const index = PHASES.indexOf(statePhase);
    if (index < this.statePhaseIndex) this.fail(`phase(state) went back from ${this.phaseName} to ${statePhase}`);
    this.statePhaseIndex = index;
    if (lastPhase !== undefined && lastPhase !== statePhase) this.fail(`last phase command was ${lastPhase}, but phase(state) is ${statePhase}`);
    if (forcedThisStep) this.checkNothingLeft("at the force deadline");
    const deadline = nextDeadline(state);
    if (deadline !== undefined && deadline < input.now) this.fail(`nextDeadline ${deadline} is before now ${input.now}`);
    if (this.firstShutdown !== undefined && this.stopped === 0 && deadline === undefined) {
      this.fail(`stuck in ${statePhase}: shutting down, not stopped, and no deadline`);
    }
    if (this.stopped > 0 && statePhase !== "stopped") this.fail(`stopped was emitted but phase(state) is ${statePhase}`);
    // A crash bounds every deadline by its budget, whatever was running.
    if (this.crash !== undefined && this.stopped === 0 && deadline !== undefined && deadline > this.crash.end) {
      this.fail(`nextDeadline ${deadline} is past the crash budget's end ${this.crash.end}`);
    }
    // Readiness at start-up: ready once started so or told so, and never again once a shutdown was asked for.
    const readyExpected = (this.options.startReady !== false || this.saidReady) && statePhase === "serving";
    if (isReady(state) !== readyExpected) this.fail(`isReady is ${isReady(state)}, expected ${readyExpected} in ${statePhase}`);
    if (input.type === "ready" && commands.length > 0 && phaseBefore === "serving") this.fail(`ready while serving caused ${JSON.stringify(commands)}`);
  }

  /**
   * Where the adapter can close single connections the listener closes when the drain starts. Where it cannot
   * (its stop closes every idle keep-alive connection at once), the listener stays open for one keep-alive grace
   * while responses say `Connection: close`; the force or the cleanup ends that wait early.
   */
  private listenerMustBeClosed(now: number): boolean {
    if (this.options.capabilities.closeConnection || this.phaseIndex >= PHASES.indexOf("force")) return true;
    return now >= (this.drainAt ?? now) + this.options.keepAliveGraceMs;
  }

  private applyInput(input: Input, phaseBefore: Phase): void {
    switch (input.type) {
      case "open":
      case "stream-open": {
        if (this.entities.has(input.id)) this.fail(`test bug: id ${input.id} reused`);
        const conn = input.type === "stream-open" ? input.conn : undefined;
        this.entities.set(input.id, {
          id: input.id,
          kind: input.kind,
          closed: false,
          requests: 0,
          everRequested: false,
          lastEnd: undefined,
          lastEndClosing: false,
          upgraded: false,
          conn,
          ws: undefined,
          runtimeCloses: false,
          terminal: undefined,
          sseEnded: false,
          wsCloseAt: undefined,
          goaway: false,
          openedAt: this.now,
        });
        if (input.type === "stream-open" && input.kind === "ws" && conn !== undefined) {
          const under = this.entities.get(conn);
          if (under !== undefined) under.ws = input.id;
        }
        return;
      }
      case "request": {
        const e = this.mustLive(input.id);
        e.requests++;
        e.everRequested = true;
        if (phaseBefore === "notify" || phaseBefore === "drain") this.requestsDuringShutdown++;
        return;
      }
      case "response-end": {
        const e = this.mustLive(input.id);
        e.requests--;
        e.lastEnd = input.now;
        e.lastEndClosing = input.closing;
        if (input.closing) e.runtimeCloses = true;
        return;
      }
      case "upgrade": {
        const e = this.mustLive(input.id);
        e.upgraded = true;
        e.requests = 0;
        return;
      }
      case "closed":
        this.mustLive(input.id).closed = true;
        return;
      case "shutdown":
        this.shutdowns++;
        if (input.error !== undefined) {
          // A crash: it starts a shutdown (or shrinks the running one's budget to its own); a second one forces.
          if (this.crash !== undefined) {
            if (phaseBefore === "notify" || phaseBefore === "drain") this.escalationExpected = true;
          } else if (phaseBefore !== "stopped") {
            this.crash = { error: input.error, end: input.now + (input.timeoutMs ?? this.options.timeoutMs) };
          }
          if (this.firstShutdown === undefined) this.firstShutdown = { mode: input.mode, now: input.now, hooks: input.hooks };
          return;
        }
        if (this.firstShutdown === undefined) {
          this.firstShutdown = { mode: input.mode, now: input.now, hooks: input.hooks };
        } else if (this.firstShutdown.mode !== "immediate" && (phaseBefore === "notify" || phaseBefore === "drain")) {
          this.escalationExpected = true;
        }
        return;
      case "hook-done":
        if (!this.hookDone.has(input.name)) this.hookDone.set(input.name, input.error);
        for (const run of this.runs) if (run.name === input.name) run.done = true;
        return;
      case "ready":
        this.saidReady = true;
        return;
      case "tick":
        return;
    }
  }

  private mustLive(id: Id): Entity {
    const e = this.entities.get(id);
    if (e === undefined || e.closed) this.fail(`test bug: input for unknown or closed id ${id}`);
    return e;
  }

  /** The entity a command names: it must exist, be open, and not have had a terminal command. */
  private target(command: Command & { id: Id }): Entity {
    const e = this.entities.get(command.id);
    if (e === undefined) this.fail(`${command.type} names unknown id ${command.id}`);
    if (e.closed) this.fail(`${command.type} names id ${command.id}, which already closed`);
    if (e.terminal !== undefined) this.fail(`${command.type} names id ${command.id}, which already had ${e.terminal}`);
    return e;
  }

  private applyCommand(command: Command, now: number): void {
    const caps = this.options.capabilities;
    switch (command.type) {
      case "phase": {
        const index = PHASES.indexOf(command.phase);
        if (index <= this.phaseIndex) this.fail(`phase ${command.phase} after ${PHASES[this.phaseIndex]}: phases only move forward`);
        if (command.at !== now) this.fail(`phase ${command.phase} at ${command.at}, but now is ${now}`);
        this.phaseIndex = index;
        return;
      }
      case "stop-accepting":
        this.stopAccepting++;
        if (this.stopAccepting > 1) this.fail("stop-accepting emitted twice");
        return;
      case "abort-signal":
      case "progress":
        if (command.type === "progress" && !(command.msToDeadline >= 0)) this.fail(`progress with msToDeadline ${command.msToDeadline}`);
        return;
      case "mark-closing": {
        const e = this.target(command);
        if (!CONNECTION_KINDS.includes(e.kind)) this.fail(`mark-closing for a ${e.kind}`);
        if (!caps.connectionClose) this.fail("mark-closing although capabilities.connectionClose is false");
        return;
      }
      case "close": {
        const e = this.target(command);
        if (!caps.closeConnection) this.fail(`close ${e.id} although capabilities.closeConnection is false`);
        if (e.kind !== "http1" && e.kind !== "http2") this.fail(`close of a ${e.kind} (${e.id})`);
        if (e.requests > 0) this.fail(`close(${command.why}) of ${e.id} with ${e.requests} request(s) in flight`);
        if (e.upgraded) this.fail(`close(${command.why}) of upgraded connection ${e.id}`);
        if (command.why === "never-used" && e.everRequested) this.fail(`close(never-used) of ${e.id}, which had requests`);
        if (command.why === "idle" && !e.everRequested) this.fail(`close(idle) of ${e.id}, which never had a request`);
        if (e.lastEnd !== undefined && !e.lastEndClosing && now - e.lastEnd < this.options.keepAliveGraceMs) {
          this.fail(`close(${command.why}) of ${e.id} at ${now}, ${now - e.lastEnd} ms after its response ended (grace ${this.options.keepAliveGraceMs})`);
        }
        e.terminal = "close";
        if (command.why === "idle") this.tally.closedIdle++;
        if (command.why === "never-used") this.tally.closedNeverUsed++;
        if (command.why === "after-response") this.tally.closedAfterResponse++;
        return;
      }
      case "goaway": {
        const e = this.target(command);
        if (!caps.goaway) this.fail("goaway although capabilities.goaway is false");
        if (e.kind !== "http2") this.fail(`goaway for a ${e.kind}`);
        if (e.goaway) this.fail(`goaway twice for ${e.id}`);
        e.goaway = true;
        return;
      }
      case "end-sse": {
        const e = this.target(command);
        if (e.kind !== "sse") this.fail(`end-sse for a ${e.kind}`);
        if (e.sseEnded) this.fail(`end-sse twice for ${e.id}`);
        const [min, max] = this.options.sseRetryMs;
        if (!Number.isInteger(command.retryMs) || command.retryMs < min || command.retryMs > max) {
          this.fail(`end-sse retryMs ${command.retryMs} outside [${min}, ${max}]`);
        }
        e.sseEnded = true;
        this.tally.sseEnded++;
        return;
      }
      case "close-ws": {
        const e = this.target(command);
        if (e.kind !== "ws") this.fail(`close-ws for a ${e.kind}`);
        if (command.code !== 1001) this.fail(`close-ws with code ${command.code}`);
        if (e.wsCloseAt !== undefined) this.fail(`close-ws twice for ${e.id}`);
        e.wsCloseAt = now;
        this.tally.wsClosed++;
        return;
      }
      case "destroy": {
        const e = this.target(command);
        if (CONNECTION_KINDS.includes(e.kind)) {
          if (!caps.forceConnection) this.fail(`destroy of ${e.kind} ${e.id} although capabilities.forceConnection is false`);
          this.tally.forcedConnections++;
        }
        if (e.kind === "sse") this.tally.sseForced++;
        if (e.kind === "ws" && command.why === "ws-close-timeout") this.tally.wsCutAfterCloseTimeout++;
        else if (e.kind === "ws") this.tally.wsForced++;
        if (command.why === "ws-close-timeout") {
          if (e.kind !== "ws" || e.wsCloseAt === undefined) this.fail(`destroy(ws-close-timeout) of ${e.kind} ${e.id} that got no close-ws`);
          if (now - e.wsCloseAt < this.options.wsCloseTimeoutMs) this.fail(`destroy(ws-close-timeout) of ${e.id} only ${now - e.wsCloseAt} ms after close-ws`);
        }
        if (command.why !== "ws-close-timeout") this.forced.set(e.id, { kind: e.kind, ageMs: now - e.openedAt });
        if (command.why === "immediate" && this.firstShutdown?.mode !== "immediate" && this.shutdowns < 2) {
          this.fail(`destroy(immediate) of ${e.id} in a ${this.firstShutdown?.mode} shutdown that was never escalated`);
        }
        e.terminal = "destroy";
        return;
      }
      case "force-remaining": {
        if (caps.forceConnection) this.fail("force-remaining although the adapter can destroy single connections");
        const remaining = this.live().filter((e) => CONNECTION_KINDS.includes(e.kind) && e.terminal === undefined);
        if (command.count !== remaining.length) {
          this.fail(`force-remaining count ${command.count}, but ${remaining.length} connection(s) remain: ${remaining.map((e) => e.id).join(", ")}`);
        }
        for (const e of remaining) {
          e.terminal = "force-remaining";
          this.forced.set(e.id, { kind: e.kind, ageMs: now - e.openedAt });
        }
        this.tally.forceRemaining += command.count;
        return;
      }
      case "run-hook":
        this.checkRunHook(command.name, command.timeoutMs, now);
        return;
      case "stopped":
        this.stopped++;
        if (this.stopped > 1) this.fail("stopped emitted twice");
        this.report = command.report;
        this.checkNothingLeft("at stopped");
        this.checkReport(command.report, now);
        return;
    }
  }

  private checkRunHook(name: string, timeoutMs: number, now: number): void {
    if (PHASES[this.phaseIndex] !== "cleanup") this.fail(`run-hook ${name} in phase ${PHASES[this.phaseIndex]}`);
    const specs = sortHooks(this.firstShutdown?.hooks ?? []);
    const spec = specs.find((h) => h.name === name);
    if (spec === undefined) this.fail(`run-hook for unknown hook ${name}`);
    if (this.runs.some((r) => r.name === name)) this.fail(`hook ${name} run twice`);
    // Hooks run in order; once one is skipped for lack of budget, so is every later one.
    const expectedNext = specs[this.runs.length];
    if (expectedNext?.name !== name) this.fail(`run-hook ${name}, but ${expectedNext?.name ?? "no hook"} is next in order`);
    const previous = this.runs[this.runs.length - 1];
    if (previous !== undefined && !previous.done && now < previous.start + previous.timeoutMs) {
      this.fail(`run-hook ${name} while ${previous.name} is still running`);
    }
    if (timeoutMs > spec.timeoutMs) this.fail(`run-hook ${name} with timeout ${timeoutMs} > its own ${spec.timeoutMs}`);
    const budgetEnd = (this.firstShutdown?.now ?? 0) + this.options.timeoutMs;
    if (now + timeoutMs > budgetEnd) this.fail(`run-hook ${name} at ${now} with timeout ${timeoutMs} runs past the budget end ${budgetEnd}`);
    this.runs.push({ name, start: now, timeoutMs, done: false });
  }

  /** Every id is closed, or had a terminal command, or is covered by what had one. */
  checkNothingLeft(when: string): void {
    const left = this.live().filter((e) => !this.settled(e));
    if (left.length > 0) {
      this.fail(`${when}, still open without a terminal command: ${left.map((e) => `${e.kind} ${e.id}`).join(", ")}`);
    }
  }

  private settled(e: Entity): boolean {
    if (e.terminal !== undefined) return true;
    // An upgraded socket belongs to its WebSocket: destroying or closing that one ends it.
    if (e.ws !== undefined) {
      const ws = this.entities.get(e.ws);
      if (ws !== undefined && (ws.closed || ws.terminal !== undefined)) return true;
    }
    return false;
  }

  /** Every forced id listed once (up to the limit), with its kind and its age from the open to the force. */
  private checkForcedItems(report: Report): void {
    const listed = report.forcedItems.length;
    if (listed + report.forcedItemsLeftOut !== this.forced.size) {
      this.fail(`report lists ${listed} forced items and leaves out ${report.forcedItemsLeftOut}, commands forced ${this.forced.size}`);
    }
    if (listed !== Math.min(this.forced.size, FORCED_ITEMS_LIMIT)) this.fail(`report lists ${listed} forced items, ${this.forced.size} were forced`);
    const seen = new Set<Id>();
    for (const item of report.forcedItems) {
      const expected = this.forced.get(item.id);
      if (expected === undefined || seen.has(item.id)) this.fail(`forced item ${item.id} was not forced, or is listed twice`);
      seen.add(item.id);
      if (item.kind !== expected?.kind || item.ageMs !== expected.ageMs || item.ageIsLowerBound) {
        this.fail(`forced item ${JSON.stringify(item)}, commands say ${JSON.stringify(expected)}`);
      }
    }
  }

  private checkReport(report: Report, now: number): void {
    const t = this.tally;
    const expect = (what: string, actual: unknown, expected: unknown): void => {
      if (actual !== expected) this.fail(`report ${what} is ${JSON.stringify(actual)}, commands say ${JSON.stringify(expected)}`);
    };
    const first = this.firstShutdown;
    if (first === undefined) this.fail("stopped without a shutdown request");
    expect("connections.closedIdle", report.connections.closedIdle, t.closedIdle);
    expect("connections.closedNeverUsed", report.connections.closedNeverUsed, t.closedNeverUsed);
    expect("connections.forced", report.connections.forced, t.forcedConnections + t.forceRemaining);
    expect("sse.ended", report.sse.ended, t.sseEnded);
    expect("sse.forced", report.sse.forced, t.sseForced);
    expect("websockets.closed", report.websockets.closed, t.wsClosed);
    expect("websockets.cutAfterCloseTimeout", report.websockets.cutAfterCloseTimeout, t.wsCutAfterCloseTimeout);
    expect("websockets.forced", report.websockets.forced, t.wsForced);
    this.checkForcedItems(report);
    if (report.websockets.cutAfterCloseTimeout > report.websockets.closed) this.fail("more WebSockets cut after the close timeout than were sent 1001");
    expect("requestedAt", report.requestedAt, first.now);
    expect("stoppedAt", report.stoppedAt, now);
    expect("durationMs", report.durationMs, now - first.now);
    expect("requestsDuringShutdown", report.requestsDuringShutdown, this.requestsDuringShutdown);
    if (this.escalationExpected) expect("escalated", report.escalated, true);
    expect("error", report.error, this.crash?.error);
    if (report.escalated && this.shutdowns < 2) this.fail("report says escalated after a single shutdown request");
    if (report.mode !== first.mode && !(report.escalated && report.mode === "immediate")) {
      this.fail(`report mode ${report.mode}, but the shutdown asked for ${first.mode}`);
    }

    const specs = sortHooks(first.hooks);
    const names = report.hooks.map((h) => h.name);
    expect("hooks", JSON.stringify(names), JSON.stringify(specs.map((h) => h.name)));
    for (const hook of report.hooks) {
      const run = this.runs.find((r) => r.name === hook.name);
      if (run === undefined && hook.result !== "skipped") this.fail(`hook ${hook.name} reported ${hook.result} but never ran`);
      // A second shutdown request during cleanup stops waiting for the running hook: it is reported skipped.
      if (run !== undefined && hook.result === "skipped" && !report.escalated) this.fail(`hook ${hook.name} ran but is reported skipped`);
      if (!(hook.durationMs >= 0)) this.fail(`hook ${hook.name} durationMs ${hook.durationMs}`);
    }

    const forced = t.forcedConnections + t.forceRemaining + t.sseForced + t.wsForced > 0;
    const hookFailed = report.hooks.some((h) => h.result === "error" || h.result === "timeout");
    if ((forced || hookFailed) && report.clean) this.fail("report is clean although something was forced or a hook failed");
    const skipped = report.hooks.some((h) => h.result === "skipped");
    if (!forced && !hookFailed && !skipped && !report.clean) this.fail("report is not clean although nothing was forced and every hook ran fine");

    let previousEnd: number | undefined;
    for (const p of report.phases) {
      if (previousEnd !== undefined && p.startedAt !== previousEnd) this.fail(`report phase ${p.phase} starts at ${p.startedAt}, previous ended at ${previousEnd}`);
      if (!(p.durationMs >= 0)) this.fail(`report phase ${p.phase} durationMs ${p.durationMs}`);
      previousEnd = p.startedAt + p.durationMs;
    }
  }
}

/** Hooks in run order: lower order first, equal orders in registration order. */
export function sortHooks(hooks: readonly HookSpec[]): HookSpec[] {
  return hooks
    .map((hook, index) => ({ hook, index }))
    .sort((a, b) => a.hook.order - b.hook.order || a.index - b.index)
    .map((x) => x.hook);
}
