import fc from "fast-check";
import { describe, it } from "vitest";
import { DEFAULTS, initial, nextDeadline, step, stepInto } from "./index.ts";
import type { Capabilities, Command, HookSpec, Id, Input, Mode, Options, ResolvedOptions } from "./types.ts";
import { NODE, REQUEST_LEVEL, type State } from "./testing/fixtures.test-helpers.ts";
import { type HookAnswer, runUntilStopped } from "./testing/driver.test-helpers.ts";
import { Checker, type Entity } from "./testing/model.test-helpers.ts";

// --- generators ---

/** Time between two inputs: often none, often a little, sometimes past every grace and timeout. */
const dt = fc.oneof(
  { arbitrary: fc.constant(0), weight: 3 },
  { arbitrary: fc.integer({ min: 0, max: 50 }), weight: 3 },
  { arbitrary: fc.integer({ min: 0, max: 500 }), weight: 2 },
  { arbitrary: fc.integer({ min: 0, max: 3_000 }), weight: 1 },
);
const pick = fc.nat({ max: 1_000 });
const mode = fc.constantFrom<Mode>("graceful", "lameduck", "immediate");

/** What happens next, chosen abstractly; `interpret` turns it into a valid input for the current model, or skips it. */
type Action =
  | { readonly t: "open"; readonly kind: "http1" | "http2" | "request"; readonly dt: number }
  | { readonly t: "request"; readonly pick: number; readonly dt: number }
  | { readonly t: "response-end"; readonly pick: number; readonly closing: boolean; readonly dt: number }
  | { readonly t: "upgrade"; readonly pick: number; readonly dt: number }
  | { readonly t: "stream-open"; readonly kind: "sse" | "ws"; readonly pick: number; readonly withConn: boolean; readonly dt: number }
  | { readonly t: "closed"; readonly pick: number; readonly dt: number }
  | { readonly t: "settle"; readonly pick: number; readonly dt: number }
  | { readonly t: "shutdown"; readonly mode: Mode; readonly dt: number }
  | { readonly t: "tick"; readonly atDeadline: boolean; readonly dt: number }
  | { readonly t: "hook-done"; readonly pick: number; readonly error: boolean; readonly dt: number }
  | { readonly t: "ready"; readonly dt: number }
  | { readonly t: "crash"; readonly budget: number; readonly dt: number };

const servingAction: fc.Arbitrary<Action> = fc.oneof(
  { arbitrary: fc.record({ t: fc.constant("open" as const), kind: fc.constantFrom("http1" as const, "http2" as const, "request" as const), dt }), weight: 6 },
  { arbitrary: fc.record({ t: fc.constant("request" as const), pick, dt }), weight: 8 },
  { arbitrary: fc.record({ t: fc.constant("response-end" as const), pick, closing: fc.boolean(), dt }), weight: 8 },
  { arbitrary: fc.record({ t: fc.constant("upgrade" as const), pick, dt }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant("stream-open" as const), kind: fc.constantFrom("sse" as const, "ws" as const), pick, withConn: fc.boolean(), dt }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant("closed" as const), pick, dt }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant("settle" as const), pick, dt }), weight: 3 },
  { arbitrary: fc.record({ t: fc.constant("tick" as const), atDeadline: fc.boolean(), dt }), weight: 4 },
  { arbitrary: fc.record({ t: fc.constant("hook-done" as const), pick, error: fc.boolean(), dt }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant("ready" as const), dt }), weight: 1 },
);

/** An uncaught error: a shutdown carrying it, with a crash budget that is a fraction of the configured one. */
const crash: fc.Arbitrary<Action> = fc.record({ t: fc.constant("crash" as const), budget: fc.double({ min: 0, max: 1, noNaN: true }), dt });
const shutdown: fc.Arbitrary<Action> = fc.oneof(
  { arbitrary: fc.record({ t: fc.constant("shutdown" as const), mode, dt }), weight: 3 },
  { arbitrary: crash, weight: 1 },
);
const action: fc.Arbitrary<Action> = fc.oneof({ arbitrary: servingAction, weight: 30 }, { arbitrary: shutdown, weight: 1 });

/** A server that has been busy for a while, is asked to stop (mostly), and lives on while it drains. */
const actions: fc.Arbitrary<Action[]> = fc
  .tuple(
    fc.array(servingAction, { maxLength: 60, size: "max" }),
    fc.option(shutdown, { freq: 8 }),
    fc.array(action, { maxLength: 60, size: "max" }),
  )
  .map(([before, stop, after]) => (stop === null ? [...before, ...after] : [...before, stop, ...after]));

const capabilities: fc.Arbitrary<Capabilities> = fc.oneof(
  fc.constant(NODE),
  fc.constant(REQUEST_LEVEL),
  fc.record({
    closeConnection: fc.boolean(),
    forceConnection: fc.boolean(),
    seesNeverUsed: fc.boolean(),
    goaway: fc.boolean(),
    connectionClose: fc.boolean(),
  }),
);

/** Valid options with small durations, so deadlines fall inside a sequence. */
const options: fc.Arbitrary<Options> = fc
  .record({
    // Fixed, or adaptive (whose longest notify is its maxMs): every invariant holds with either.
    notifyMs: fc.oneof(
      fc.constant(0),
      fc.integer({ min: 0, max: 3_000 }),
      fc.record({ minMs: fc.integer({ min: 0, max: 1_000 }), quietMs: fc.integer({ min: 1, max: 1_000 }), extra: fc.integer({ min: 0, max: 2_000 }) })
        .map(({ minMs, quietMs, extra }) => ({ minMs, quietMs, maxMs: minMs + extra })),
    ),
    afterNotify: fc.integer({ min: 1, max: 20_000 }),
    cleanupMs: fc.integer({ min: 0, max: 5_000 }),
    wsCloseTimeoutMs: fc.integer({ min: 0, max: 6_000 }),
    keepAliveGraceMs: fc.integer({ min: 0, max: 2_000 }),
    lameduckWindowMs: fc.integer({ min: 0, max: 10_000 }),
    retry: fc.tuple(fc.integer({ min: 0, max: 5_000 }), fc.integer({ min: 0, max: 5_000 })),
    progressEveryMs: fc.integer({ min: 100, max: 5_000 }),
    startReady: fc.boolean(),
    capabilities,
  })
  .map(({ afterNotify, retry, ...rest }) => ({
    ...rest,
    timeoutMs: (typeof rest.notifyMs === "number" ? rest.notifyMs : rest.notifyMs.maxMs) + afterNotify,
    sseRetryMs: [Math.min(...retry), Math.max(...retry)] as const,
  }));

const hooks: fc.Arbitrary<HookSpec[]> = fc
  .array(fc.record({ order: fc.integer({ min: 0, max: 3 }), timeoutMs: fc.integer({ min: 0, max: 2_000 }) }), { maxLength: 3 })
  .map((specs) => specs.map((spec, i) => ({ name: `hook-${i}`, ...spec })));

const answers: fc.Arbitrary<HookAnswer[]> = fc.array(
  fc.constantFrom<HookAnswer>({ result: "ok" }, { result: "error", error: "boom" }, { result: "hang" }),
  { minLength: 3, maxLength: 3 },
);

// --- interpreter ---

interface Scenario {
  readonly options: Options;
  readonly hooks: readonly HookSpec[];
  readonly seed: number;
  readonly actions: readonly Action[];
  readonly finalMode: Mode;
  readonly autoClose: boolean;
  readonly answers: readonly HookAnswer[];
  /** Feed through `stepInto` with one reused array, the way the engine does, instead of `step`. */
  readonly viaStepInto: boolean;
}

const scenario: fc.Arbitrary<Scenario> = fc.record({
  options,
  hooks,
  seed: fc.integer(),
  actions,
  finalMode: mode,
  autoClose: fc.boolean(),
  answers,
  viaStepInto: fc.boolean(),
});

function choose<T>(items: readonly T[], n: number): T | undefined {
  return items.length === 0 ? undefined : items[n % items.length];
}

/** A small engine stand-in that feeds the machine and hands every step to the checker. */
class Harness {
  state: State;
  now = 0;
  nextId = 1;
  readonly checker: Checker;
  readonly scenario: Scenario;

  constructor(scenario: Scenario) {
    this.scenario = scenario;
    this.state = initial(scenario.options);
    const resolved: ResolvedOptions = { ...DEFAULTS, ...scenario.options } as ResolvedOptions;
    this.checker = new Checker(resolved);
  }

  /** The array `stepInto` appends to, emptied before each step and never handed to the checker itself. */
  private readonly out: Command[] = [];

  feed(input: Input): void {
    if (this.scenario.viaStepInto) {
      this.out.length = 0;
      stepInto(this.state, input, this.out);
      this.checker.observe(input, [...this.out], this.state);
      return;
    }
    const [next, commands] = step(this.state, input);
    this.state = next;
    this.checker.observe(input, commands, this.state);
  }

  private get caps(): Capabilities {
    return this.scenario.options.capabilities;
  }

  /** Connection-like ids that can still take part in HTTP. */
  private usable(): Entity[] {
    return this.checker.live().filter((e) => e.terminal === undefined && !e.runtimeCloses);
  }

  /** New things arrive only while the server is serving, in notify, or (request entities, on kept-alive connections) in drain. */
  private canOpen(kind: string): boolean {
    const phase = this.checker.phaseName;
    if (phase === "serving" || phase === "notify") return true;
    return phase === "drain" && kind === "request";
  }

  run(a: Action): void {
    if (a.t !== "tick") this.now += a.dt;
    const now = this.now;
    const c = this.checker;
    switch (a.t) {
      case "open": {
        if (!this.canOpen(a.kind)) return;
        const id: Id = this.nextId++;
        this.feed({ type: "open", id, kind: a.kind, now });
        // Runtimes that do not see connections before a request report both at once; a request entity is a request.
        // (Unless the open itself ended it: a deadline that passed at this very input forced it.)
        const opened = c.entities.get(id);
        const fresh = opened !== undefined && !opened.closed && opened.terminal === undefined;
        if (fresh && (a.kind === "request" || !this.caps.seesNeverUsed)) this.feed({ type: "request", id, now });
        return;
      }
      case "request": {
        if (c.forceBegan) return;
        const target = choose(
          this.usable().filter((e) => (e.kind === "http1" && e.requests === 0 && !e.upgraded) || (e.kind === "http2" && !e.goaway)),
          a.pick,
        );
        if (target !== undefined) this.feed({ type: "request", id: target.id, now });
        return;
      }
      case "response-end": {
        const target = choose(this.usable().filter((e) => e.requests > 0), a.pick);
        if (target === undefined) return;
        this.feed({ type: "response-end", id: target.id, closing: a.closing, now });
        if (target.kind === "request" && !target.closed) this.feed({ type: "closed", id: target.id, now });
        return;
      }
      case "upgrade": {
        if (c.forceBegan) return;
        const target = choose(this.usable().filter((e) => e.kind === "http1" && e.requests === 1 && !e.upgraded), a.pick);
        if (target !== undefined) this.feed({ type: "upgrade", id: target.id, now });
        return;
      }
      case "stream-open": {
        if (!this.canOpen(a.kind)) return;
        let conn: Id | undefined;
        if (a.withConn) {
          const under =
            a.kind === "ws"
              ? this.usable().filter((e) => e.kind === "http1" && e.upgraded && e.ws === undefined)
              : this.usable().filter((e) => e.requests > 0);
          conn = choose(under, a.pick)?.id;
        }
        const id: Id = this.nextId++;
        this.feed(conn === undefined ? { type: "stream-open", id, kind: a.kind, now } : { type: "stream-open", id, kind: a.kind, conn, now });
        return;
      }
      case "closed": {
        const target = choose(c.live(), a.pick);
        if (target !== undefined) this.feed({ type: "closed", id: target.id, now });
        return;
      }
      case "settle": {
        // The adapter reports what the core asked to end, and what the runtime closes after a Connection: close.
        const ending = c.live().filter(
          (e) =>
            (e.terminal !== undefined && e.terminal !== "force-remaining") ||
            e.sseEnded ||
            e.wsCloseAt !== undefined ||
            (e.runtimeCloses && e.requests === 0) ||
            (e.goaway && e.requests === 0),
        );
        const target = choose(ending, a.pick);
        if (target !== undefined) this.feed({ type: "closed", id: target.id, now });
        return;
      }
      case "shutdown":
        this.feed({ type: "shutdown", mode: a.mode, reason: "test", seed: this.scenario.seed, hooks: this.scenario.hooks, now });
        return;
      case "tick": {
        const deadline = nextDeadline(this.state);
        this.now = a.atDeadline && deadline !== undefined ? Math.max(this.now, deadline) : this.now + a.dt;
        this.feed({ type: "tick", now: this.now });
        return;
      }
      case "ready":
        this.feed({ type: "ready", now });
        return;
      case "crash": {
        const timeoutMs = Math.floor(a.budget * (this.scenario.options.timeoutMs ?? DEFAULTS.timeoutMs));
        const error = `crash ${this.checker.shutdowns}`;
        this.feed({ type: "shutdown", mode: "graceful", reason: "uncaughtException", seed: this.scenario.seed, hooks: this.scenario.hooks, timeoutMs, error, now });
        return;
      }
      case "hook-done": {
        const run = choose(c.runs, a.pick);
        if (run === undefined) return;
        this.feed(a.error ? { type: "hook-done", name: run.name, error: "boom", now } : { type: "hook-done", name: run.name, now });
        return;
      }
    }
  }

  /** Ask for a shutdown if nobody did, then let the pretend engine run the machine to its end. */
  finish(): void {
    if (this.checker.firstShutdown === undefined) this.run({ t: "shutdown", mode: this.scenario.finalMode, dt: 0 });
    if (this.checker.stopped > 0) return;
    const names = this.scenario.hooks.map((h) => h.name);
    runUntilStopped(this.state, this.now, [], {
      autoClose: this.scenario.autoClose,
      hooks: (name) => this.scenario.answers[names.indexOf(name)] ?? { result: "ok" },
      observe: (input, commands, state) => {
        this.state = state;
        this.now = input.now;
        this.checker.observe(input, commands, state);
      },
    });
    if (this.checker.stopped !== 1) throw new Error(`stopped emitted ${this.checker.stopped} times`);
  }
}

// --- properties ---

describe("properties over random event sequences", () => {
  it("every invariant holds for any interleaving, mode, capabilities and options, through to stopped", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const harness = new Harness(s);
        for (const a of s.actions) harness.run(a);
        harness.finish();
      }),
      { numRuns: 3_000 },
    );
  }, 60_000);

  it("a machine that is only ever ticked at its deadline stops, and forces nothing it could close", () => {
    // Everything is idle or never used: a graceful drain must close it all without the force.
    fc.assert(
      fc.property(
        // The drain window must outlast the keep-alive grace, or a just-used connection is rightly forced.
        options.filter(
          (o) =>
            o.capabilities.closeConnection &&
            o.capabilities.seesNeverUsed === true &&
            (o.timeoutMs ?? 0) - (typeof o.notifyMs === "object" ? (o.notifyMs.maxMs ?? 0) : (o.notifyMs ?? 0)) > (o.keepAliveGraceMs ?? 0),
        ),
        fc.array(fc.tuple(fc.boolean(), dt), { maxLength: 40 }),
        (opts, conns) => {
          const harness = new Harness({ options: opts, hooks: [], seed: 1, actions: [], finalMode: "graceful", autoClose: true, answers: [], viaStepInto: false });
          for (const [used, wait] of conns) {
            harness.run({ t: "open", kind: "http1", dt: wait });
            if (used) {
              const id = harness.nextId - 1;
              harness.feed({ type: "request", id, now: harness.now });
              harness.feed({ type: "response-end", id, closing: false, now: harness.now });
            }
          }
          harness.finish();
          const report = harness.checker.report;
          if (report === undefined || report.connections.forced !== 0 || !report.clean) {
            throw new Error(`idle connections were forced: ${JSON.stringify(report)}`);
          }
        },
      ),
      { numRuns: 1_000 },
    );
  }, 60_000);
});
