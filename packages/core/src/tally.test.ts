import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { counts, initial, nextDeadline, phase, stepInto, tallyClosed, tallyInFlight, tallyOpen, tallyRequest, tallyResponseEnd, tallyUpgrade } from "./index.ts";
import type { Command, Id, Input, Mode, Options } from "./types.ts";
import { NODE, REQUEST_LEVEL, type State } from "./testing/fixtures.test-helpers.ts";
import { dt, pick, servingOptions, shutdownAction, withShutdown } from "./testing/serving-history.test-helpers.ts";

/*
 * Counting request entities on the tallies while serving (what the engine's tracker does) against stepping every
 * input: from any history, a shutdown at any point gives the same commands, the same counts and the same report.
 */

type Action =
  | { readonly t: "open"; readonly kind: "http1" | "request"; readonly dt: number }
  | { readonly t: "request" | "upgrade" | "closed"; readonly pick: number; readonly dt: number }
  | { readonly t: "response-end"; readonly pick: number; readonly closing: boolean; readonly dt: number }
  | { readonly t: "stream-open"; readonly kind: "sse" | "ws"; readonly dt: number }
  | { readonly t: "tick"; readonly dt: number }
  | { readonly t: "shutdown"; readonly mode: Mode; readonly dt: number };


/** Mostly the request path (open, request, response end, closed), with the odd stray input, stream and tick. */
const serving: fc.Arbitrary<Action> = fc.oneof(
  { arbitrary: fc.record({ t: fc.constant("open" as const), kind: fc.constantFrom("request" as const, "http1" as const), dt }), weight: 8 },
  { arbitrary: fc.record({ t: fc.constant("request" as const), pick, dt }), weight: 8 },
  { arbitrary: fc.record({ t: fc.constant("response-end" as const), pick, closing: fc.boolean(), dt }), weight: 8 },
  { arbitrary: fc.record({ t: fc.constant("upgrade" as const), pick, dt }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant("closed" as const), pick, dt }), weight: 6 },
  { arbitrary: fc.record({ t: fc.constant("stream-open" as const), kind: fc.constantFrom("sse" as const, "ws" as const), dt }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant("tick" as const), dt }), weight: 1 },
);

/** A serving history, a shutdown at a random point of it, and the life that goes on during the drain. */
const history = withShutdown<Action>(serving, shutdownAction, 80);
const options = servingOptions(REQUEST_LEVEL, { ...REQUEST_LEVEL, reportsListenerClosed: true }, NODE);

/** One machine, fed either input by input or, where the tallies take it, without a step. */
class Machine {
  readonly state: State;
  readonly out: Command[] = [];
  readonly tally: boolean;
  constructor(options: Options, tally: boolean) {
    this.state = initial(options);
    this.tally = tally;
  }

  /** Feed one input; returns its commands. */
  feed(input: Input): Command[] {
    this.out.length = 0;
    if (!(this.tally && this.tallied(input))) stepInto(this.state, input, this.out);
    return [...this.out];
  }

  private tallied(input: Input): boolean {
    switch (input.type) {
      case "open":
        return tallyOpen(this.state, input.id, input.kind);
      case "request":
        return tallyRequest(this.state, input.id);
      case "response-end":
        return tallyResponseEnd(this.state, input.id, input.closing);
      case "upgrade":
        return tallyUpgrade(this.state, input.id);
      case "closed":
        return tallyClosed(this.state, input.id);
      default:
        return false;
    }
  }
}

/** Turn the abstract actions into inputs; ids are picked among every id ever opened, closed ones included. */
function inputsOf(actions: readonly Action[], seed: number): Input[] {
  const ids: Id[] = [];
  const inputs: Input[] = [];
  let now = 0;
  let next = 1;
  for (const action of actions) {
    now += action.dt;
    const chosen = ids.length === 0 ? 1 : (ids[("pick" in action ? action.pick : 0) % ids.length] as Id);
    switch (action.t) {
      case "open":
        ids.push(next);
        inputs.push({ type: "open", id: next++, kind: action.kind, now });
        break;
      case "stream-open":
        inputs.push({ type: "stream-open", id: next++, kind: action.kind, now });
        break;
      case "request":
      case "upgrade":
      case "closed":
        inputs.push({ type: action.t, id: chosen, now });
        break;
      case "response-end":
        inputs.push({ type: "response-end", id: chosen, closing: action.closing, now });
        break;
      case "tick":
        inputs.push({ type: "tick", now });
        break;
      case "shutdown":
        inputs.push({ type: "shutdown", mode: action.mode, reason: "test", seed, hooks: [{ name: "h", order: 0, timeoutMs: 100 }], now });
        break;
    }
  }
  return inputs;
}

/** The forced items' ages are the one thing tallies cannot know: a tallied request's open had no clock read. */
function withoutAges(commands: readonly Command[]): unknown[] {
  return commands.map((command) =>
    command.type === "stopped"
      ? { ...command, report: { ...command.report, forcedItems: command.report.forcedItems.map(({ id, kind }) => ({ id, kind })) } }
      : command,
  );
}

/** A tallied request's age starts at the first stepped input after its open: never more than its real age, and said so. */
function expectLowerBoundAges(fromTallies: readonly Command[], fromSteps: readonly Command[]): void {
  const reportOf = (commands: readonly Command[]) => commands.find((c) => c.type === "stopped")?.report;
  const tallied = reportOf(fromTallies);
  const stepped = reportOf(fromSteps);
  if (tallied === undefined || stepped === undefined) return;
  tallied.forcedItems.forEach((item, i) => {
    const exact = stepped.forcedItems[i];
    expect(exact?.ageIsLowerBound).toBe(false);
    expect(item.ageMs).toBeLessThanOrEqual(exact?.ageMs ?? Number.NaN);
    if (!item.ageIsLowerBound) expect(item.ageMs).toBe(exact?.ageMs);
  });
}

describe("tallies while serving", () => {
  it("a shutdown at any point of a serving history gives the same commands, counts and report as stepping every input", () => {
    fc.assert(
      fc.property(options, history, fc.integer(), (opts, actions, seed) => {
        const stepped = new Machine(opts, false);
        const tallied = new Machine(opts, true);
        let now = 0;
        for (const input of inputsOf(actions, seed)) {
          now = input.now;
          const [fromTallies, fromSteps] = [tallied.feed(input), stepped.feed(input)];
          expect(withoutAges(fromTallies)).toEqual(withoutAges(fromSteps));
          expectLowerBoundAges(fromTallies, fromSteps);
          expect(counts(tallied.state)).toEqual(counts(stepped.state));
          expect(phase(tallied.state)).toBe(phase(stepped.state));
          expect(nextDeadline(tallied.state)).toBe(nextDeadline(stepped.state));
        }
        // Past the signal the tallies take nothing. The end: past every deadline, then forced to a stop.
        expect(tallied.state.tallies.size).toBe(0);
        const end: Input[] = [
          { type: "tick", now: now + 20_000 },
          { type: "shutdown", mode: "immediate", reason: "end", seed, hooks: [], now: now + 20_001 },
          { type: "shutdown", mode: "immediate", reason: "end", seed, hooks: [], now: now + 20_002 },
        ];
        for (const input of end) {
          const [fromTallies, fromSteps] = [tallied.feed(input), stepped.feed(input)];
          expect(withoutAges(fromTallies)).toEqual(withoutAges(fromSteps));
          expectLowerBoundAges(fromTallies, fromSteps);
        }
        expect(phase(tallied.state)).toBe("stopped");
      }),
      { numRuns: 400 },
    );
  });

  it("takes only request entities, and only while serving", () => {
    const state = initial({ capabilities: REQUEST_LEVEL });
    expect(tallyOpen(state, 1, "http1")).toBe(false);
    expect(tallyRequest(state, 1)).toBe(false);
    expect(tallyOpen(state, 2, "request")).toBe(true);
    expect(tallyRequest(state, 2)).toBe(true);
    expect(counts(state)).toMatchObject({ active: 1, requests: 1 });
    stepInto(state, { type: "shutdown", mode: "graceful", reason: "test", seed: 1, hooks: [], now: 5 }, []);
    expect(state.tallies.size).toBe(0);
    expect(tallyOpen(state, 3, "request")).toBe(false);
    expect(tallyClosed(state, 2)).toBe(false);
  });

  it("hands an in-flight request to the drain: it is marked closing at the signal", () => {
    const state = initial({ capabilities: REQUEST_LEVEL });
    tallyOpen(state, 7, "request");
    tallyRequest(state, 7);
    const out: Command[] = [];
    stepInto(state, { type: "shutdown", mode: "graceful", reason: "test", seed: 1, hooks: [], now: 5 }, out);
    expect(out).toContainEqual({ type: "mark-closing", id: 7 });
  });
});

/*
 * An adapter that keeps its in-flight requests itself while serving (Bun: the completion watcher's lists) and hands
 * the core only those still in flight, with `tallyInFlight`, before any input is stepped (its `settle`), against
 * stepping every request's open, request, response end and close.
 */

type Life =
  | { readonly t: "begin" | "counts"; readonly dt: number }
  | { readonly t: "finish"; readonly pick: number; readonly closing: boolean; readonly upgrade: boolean; readonly dt: number }
  | { readonly t: "stream-open"; readonly kind: "sse" | "ws"; readonly dt: number }
  | { readonly t: "http1"; readonly dt: number }
  | { readonly t: "tick"; readonly dt: number }
  | { readonly t: "shutdown"; readonly mode: Mode; readonly dt: number };

const life: fc.Arbitrary<Life> = fc.oneof(
  { arbitrary: fc.record({ t: fc.constant("begin" as const), dt }), weight: 10 },
  { arbitrary: fc.record({ t: fc.constant("finish" as const), pick, closing: fc.boolean(), upgrade: fc.constantFrom(false, false, false, false, true), dt }), weight: 9 },
  { arbitrary: fc.record({ t: fc.constant("counts" as const), dt }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant("stream-open" as const), kind: fc.constantFrom("sse" as const, "ws" as const), dt }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant("http1" as const), dt }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant("tick" as const), dt }), weight: 1 },
);
const lives = withShutdown<Life>(life, shutdownAction, 80);

/** Steps every input, or (`adapter`) counts requests in flight the way the Bun adapter does while serving. */
class RequestAdapter {
  readonly state: State;
  readonly out: Command[] = [];
  readonly adapter: boolean;
  /** Begun while serving and not handed to the core yet. */
  readonly inFlight = new Set<Id>();
  /** Handed to the core: their end is stepped. */
  readonly handed = new Set<Id>();
  constructor(options: Options, adapter: boolean) {
    this.state = initial(options);
    this.adapter = adapter;
  }

  /** The adapter's `settle`: the core gets what is still in flight before it acts on anything. */
  settle(): void {
    if (!this.adapter || this.state.phase !== "serving") return;
    for (const id of this.inFlight) {
      expect(tallyInFlight(this.state, id)).toBe(true);
      this.handed.add(id);
    }
    this.inFlight.clear();
  }

  /** Step one input (the engine's tracker: the tallies first, as it does). */
  step(input: Input): void {
    this.settle();
    const tallied =
      this.adapter &&
      ((input.type === "response-end" && tallyResponseEnd(this.state, input.id, input.closing)) ||
        (input.type === "upgrade" && tallyUpgrade(this.state, input.id)) ||
        (input.type === "closed" && tallyClosed(this.state, input.id)));
    if (!tallied) stepInto(this.state, input, this.out);
  }

  begin(id: Id, now: number): Command[] {
    this.out.length = 0;
    if (this.adapter && this.state.phase === "serving") this.inFlight.add(id);
    else {
      this.step({ type: "open", id, kind: "request", now });
      this.step({ type: "request", id, now });
    }
    return [...this.out];
  }

  finish(id: Id, closing: boolean, upgrade: boolean, now: number): Command[] {
    this.out.length = 0;
    if (this.adapter && this.inFlight.delete(id)) return [];
    this.handed.delete(id);
    this.step(upgrade ? { type: "upgrade", id, now } : { type: "response-end", id, closing, now });
    this.step({ type: "closed", id, now });
    return [...this.out];
  }

  feed(input: Input): Command[] {
    this.out.length = 0;
    this.step(input);
    return [...this.out];
  }

  counts(): ReturnType<typeof counts> {
    this.settle();
    return counts(this.state);
  }
}

describe("requests in flight kept by the adapter while serving", () => {
  it("a shutdown at any point of a serving history gives the same commands, counts and report as stepping every request", () => {
    fc.assert(
      fc.property(options, lives, fc.integer(), (opts, actions, seed) => {
        const stepped = new RequestAdapter(opts, false);
        const adapted = new RequestAdapter(opts, true);
        const open: Id[] = [];
        let next = 1;
        let now = 0;
        for (const action of actions) {
          now += action.dt;
          let both: [Command[], Command[]];
          switch (action.t) {
            case "begin": {
              const id = next++;
              open.push(id);
              both = [adapted.begin(id, now), stepped.begin(id, now)];
              break;
            }
            case "finish": {
              if (open.length === 0) continue;
              const [id] = open.splice(action.pick % open.length, 1) as [Id];
              both = [adapted.finish(id, action.closing, action.upgrade, now), stepped.finish(id, action.closing, action.upgrade, now)];
              break;
            }
            case "counts":
              expect(adapted.counts()).toEqual(stepped.counts());
              continue;
            case "stream-open":
            case "http1": {
              const input: Input = action.t === "http1" ? { type: "open", id: next++, kind: "http1", now } : { type: "stream-open", id: next++, kind: action.kind, now };
              both = [adapted.feed(input), stepped.feed({ ...input })];
              break;
            }
            case "tick":
              both = [adapted.feed({ type: "tick", now }), stepped.feed({ type: "tick", now })];
              break;
            case "shutdown": {
              const input: Input = { type: "shutdown", mode: action.mode, reason: "test", seed, hooks: [{ name: "h", order: 0, timeoutMs: 100 }], now };
              both = [adapted.feed(input), stepped.feed({ ...input })];
              break;
            }
          }
          expect(withoutAges(both[0])).toEqual(withoutAges(both[1]));
          expectLowerBoundAges(both[0], both[1]);
          expect(adapted.counts()).toEqual(stepped.counts());
          expect(phase(adapted.state)).toBe(phase(stepped.state));
          expect(nextDeadline(adapted.state)).toBe(nextDeadline(stepped.state));
        }
        // From the signal on the adapter holds nothing back.
        expect(adapted.inFlight.size).toBe(0);
        const end: Input[] = [
          { type: "tick", now: now + 20_000 },
          { type: "shutdown", mode: "immediate", reason: "end", seed, hooks: [], now: now + 20_001 },
          { type: "shutdown", mode: "immediate", reason: "end", seed, hooks: [], now: now + 20_002 },
        ];
        for (const input of end) {
          const both = [adapted.feed(input), stepped.feed({ ...input })];
          expect(withoutAges(both[0] as Command[])).toEqual(withoutAges(both[1] as Command[]));
        }
        expect(phase(adapted.state)).toBe("stopped");
      }),
      { numRuns: 400 },
    );
  });

  it("takes a request in flight only while serving and only once", () => {
    const state = initial({ capabilities: REQUEST_LEVEL });
    expect(tallyInFlight(state, 4)).toBe(true);
    expect(tallyInFlight(state, 4)).toBe(false);
    expect(counts(state)).toMatchObject({ active: 1, requests: 1 });
    const out: Command[] = [];
    stepInto(state, { type: "shutdown", mode: "graceful", reason: "test", seed: 1, hooks: [], now: 5 }, out);
    expect(out).toContainEqual({ type: "mark-closing", id: 4 });
    expect(tallyInFlight(state, 5)).toBe(false);
  });
});
