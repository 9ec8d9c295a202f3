import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { adoptServed, applyServed, countRequest, countResponseEnd, counts, initial, nextDeadline, phase, readsServed, servedRecord, stepInto, type Served } from "./index.ts";
import type { Command, Id, Input, Mode, Options } from "./types.ts";
import { NODE, type State } from "./testing/fixtures.test-helpers.ts";
import { dt, pick, servingOptions, shutdownAction, withShutdown } from "./testing/serving-history.test-helpers.ts";

/*
 * An adapter that keeps HTTP/1 requests on its connection records while serving against stepping every input. The
 * adapter counts a request at once, sees a response end only at its next sweep or the connection's next request (in
 * order, per connection; a request does not know when they ended), and hands its records to the machine only
 * where the engine asks it to: before an input for which `readsServed` holds, and before `counts()` (the `sweep`
 * action). Every other input is stepped on the machine's stale picture. From any history, a shutdown at any point
 * gives the same commands, counts and report: no other input reads what the adapter kept.
 */

type Action =
  | { readonly t: "open"; readonly dt: number; readonly defer: boolean }
  | { readonly t: "request" | "upgrade" | "closed"; readonly pick: number; readonly dt: number }
  | { readonly t: "response-end"; readonly pick: number; readonly closing: boolean; readonly dt: number }
  | { readonly t: "sweep" | "tick" | "sse"; readonly dt: number }
  | { readonly t: "shutdown"; readonly mode: Mode; readonly dt: number };


const serving: fc.Arbitrary<Action> = fc.oneof(
  { arbitrary: fc.record({ t: fc.constant("open" as const), dt, defer: fc.boolean() }), weight: 4 },
  { arbitrary: fc.record({ t: fc.constant("request" as const), pick, dt }), weight: 10 },
  { arbitrary: fc.record({ t: fc.constant("response-end" as const), pick, closing: fc.oneof({ arbitrary: fc.constant(false), weight: 9 }, { arbitrary: fc.constant(true), weight: 1 }), dt }), weight: 10 },
  { arbitrary: fc.record({ t: fc.constant("upgrade" as const), pick, dt }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant("closed" as const), pick, dt }), weight: 3 },
  { arbitrary: fc.record({ t: fc.constantFrom("sweep" as const, "tick" as const, "sse" as const), dt }), weight: 3 },
);
const history = withShutdown<Action>(serving, shutdownAction, 100);
const options = servingOptions(NODE);

/** The adapter's record of one connection: what it counted, and the response ends it has not swept yet. */
interface Record {
  readonly served: Served;
  readonly unswept: { closing: boolean; at: number }[];
  /** A response carried `Connection: close`: the runtime reads no further request on it. */
  ended: boolean;
}

/** Steps every input, as the engine did before. */
class Stepping {
  readonly state: State;
  readonly out: Command[] = [];
  constructor(options: Options) {
    this.state = initial(options);
  }
  feed(input: Input): Command[] {
    this.out.length = 0;
    stepInto(this.state, input, this.out);
    return [...this.out];
  }
}

/** Counts requests and response ends on its records while serving; steps everything else. */
class Counting extends Stepping {
  readonly records = new Map<Id, Record>();
  /** Connections with something not yet handed to the machine. */
  readonly dirty = new Set<Id>();

  override feed(input: Input): Command[] {
    const record = "id" in input ? this.records.get(input.id) : undefined;
    if (this.state.phase === "serving" && record !== undefined && (input.type === "request" || input.type === "response-end")) {
      this.count(record, input);
      this.dirty.add(input.id);
      return [];
    }
    if (this.state.phase === "serving" && readsServed(input)) this.sweep();
    if (input.type === "open") this.records.set(input.id, { served: servedRecord(), unswept: [], ended: false });
    return super.feed(input);
  }

  private count(record: Record, input: Input): void {
    if (input.type === "request") {
      // The ends seen before a request are counted with it, at no known time (what @drain/node does).
      this.countEnds(record, Number.NEGATIVE_INFINITY);
      countRequest(record.served);
    }
    // The runtime never reports more ends than requests; the machine ignores such an end, and so does the adapter.
    else if (input.type === "response-end" && record.served.inflight > record.unswept.length) record.unswept.push({ closing: input.closing, at: input.now });
  }

  protected countEnds(record: Record, at?: number): void {
    for (const end of record.unswept) countResponseEnd(record.served, end.closing, at ?? end.at);
    record.unswept.length = 0;
  }

  /** Fold the response ends seen so far into the records, in order, and hand the dirty records to the machine. */
  sweep(): void {
    for (const id of this.dirty) {
      const record = this.records.get(id);
      if (record === undefined) continue;
      this.countEnds(record);
      applyServed(this.state, id, record.served);
    }
    this.dirty.clear();
  }
}

/**
 * Also keeps the opens of the connections in `deferred` to itself while serving, as @drain/node does for a plain
 * http.Server's sockets: such a connection reaches the machine only through `adoptServed`, with its open time,
 * when the machine reads the connections (a `sweep`, a shutdown) or when an upgrade needs it; one that closes
 * before that never reaches it at all.
 */
class Deferring extends Counting {
  readonly waiting = new Map<Id, number>();
  readonly deferred: ReadonlySet<Id>;
  constructor(options: Options, deferred: ReadonlySet<Id>) {
    super(options);
    this.deferred = deferred;
  }

  override feed(input: Input): Command[] {
    if (this.state.phase === "serving") {
      if (input.type === "open" && this.deferred.has(input.id)) {
        this.waiting.set(input.id, input.now);
        this.records.set(input.id, { served: servedRecord(), unswept: [], ended: false });
        return [];
      }
      if (input.type === "closed" && this.waiting.delete(input.id)) {
        this.records.delete(input.id);
        this.dirty.delete(input.id);
        return [];
      }
      if (input.type === "upgrade") this.adopt(input.id);
      if (readsServed(input)) for (const id of [...this.waiting.keys()]) this.adopt(id);
    }
    return super.feed(input);
  }

  override sweep(): void {
    for (const id of [...this.waiting.keys()]) this.adopt(id);
    super.sweep();
  }

  private adopt(id: Id): void {
    const opened = this.waiting.get(id);
    const record = this.records.get(id);
    if (opened === undefined || record === undefined) return;
    this.waiting.delete(id);
    this.countEnds(record);
    expect(adoptServed(this.state, id, record.served, opened)).toBe(true);
  }
}

/**
 * Commands and reports with the entities' order taken out: an adopted connection joins the machine's entities
 * later than a stepped open would have, so the commands about several connections in one step may come in another
 * order. The commands about no entity keep theirs.
 */
function unordered(commands: readonly Command[]): { readonly phases: string[]; readonly all: string[] } {
  const text = commands.map((command) => {
    if (command.type !== "stopped") return JSON.stringify(command);
    const items = [...command.report.forcedItems].sort((a, b) => a.id - b.id);
    return JSON.stringify({ ...command, report: { ...command.report, forcedItems: items } });
  });
  return { phases: text.filter((_, i) => !("id" in (commands[i] as object))), all: [...text].sort() };
}

/** Turn the abstract actions into inputs (the opens to keep back go to `deferred`). A connection whose response carried `Connection: close` takes no more requests (the runtime ends it). */
function inputsOf(actions: readonly Action[], seed: number, deferred?: Set<Id>): (Input | "sweep")[] {
  const ids: Id[] = [];
  const ended = new Set<Id>();
  const inputs: (Input | "sweep")[] = [];
  let now = 0;
  let next = 1;
  for (const action of actions) {
    now += action.dt;
    const chosen = ids.length === 0 ? 1 : (ids[("pick" in action ? action.pick : 0) % ids.length] as Id);
    switch (action.t) {
      case "open":
        if (action.defer) deferred?.add(next);
        ids.push(next);
        inputs.push({ type: "open", id: next++, kind: "http1", now });
        break;
      case "sse":
        inputs.push({ type: "stream-open", id: next++, kind: "sse", now });
        break;
      case "request":
        if (!ended.has(chosen)) inputs.push({ type: "request", id: chosen, now });
        break;
      case "upgrade":
      case "closed":
        inputs.push({ type: action.t, id: chosen, now });
        break;
      case "response-end":
        if (action.closing) ended.add(chosen);
        inputs.push({ type: "response-end", id: chosen, closing: action.closing, now });
        break;
      case "tick":
        inputs.push({ type: "tick", now });
        break;
      case "sweep":
        inputs.push("sweep");
        break;
      case "shutdown":
        inputs.push({ type: "shutdown", mode: action.mode, reason: "test", seed, hooks: [{ name: "h", order: 0, timeoutMs: 100 }], now });
        break;
    }
  }
  return inputs;
}

/**
 * Feed `inputs` to both and compare, after every input, the commands (as `view` shows them), the phase and the next
 * deadline; the counts after every `sweep` and once serving has ended; and, after a tick and two shutdowns that stop
 * both, everything once more.
 */
function matchesStepping(counted: Counting, stepped: Stepping, inputs: readonly (Input | "sweep")[], seed: number, view: (commands: Command[]) => unknown): void {
  let now = 0;
  for (const input of inputs) {
    if (input === "sweep") {
      // The adapter's own sweep, and what the engine does before `counts`: the pictures agree after it.
      counted.sweep();
      expect(counts(counted.state)).toEqual(counts(stepped.state));
      continue;
    }
    now = input.now;
    expect(view(counted.feed(input))).toEqual(view(stepped.feed(input)));
    expect(phase(counted.state)).toBe(phase(stepped.state));
    expect(nextDeadline(counted.state)).toBe(nextDeadline(stepped.state));
    // Once serving has ended, every input is stepped: the pictures agree without a hand-over.
    if (phase(counted.state) !== "serving") expect(counts(counted.state)).toEqual(counts(stepped.state));
  }
  const end: Input[] = [
    { type: "tick", now: now + 20_000 },
    { type: "shutdown", mode: "immediate", reason: "end", seed, hooks: [], now: now + 20_001 },
    { type: "shutdown", mode: "immediate", reason: "end", seed, hooks: [], now: now + 20_002 },
  ];
  for (const input of end) expect(view(counted.feed(input))).toEqual(view(stepped.feed(input)));
  expect(counts(counted.state)).toEqual(counts(stepped.state));
  expect(phase(counted.state)).toBe("stopped");
}

describe("HTTP/1 requests counted on the adapter's records while serving", () => {
  it("a shutdown at any point of a serving history gives the same commands, counts and report as stepping every input", () => {
    fc.assert(
      fc.property(options, history, fc.integer(), (opts, actions, seed) => {
        matchesStepping(new Counting(opts), new Stepping(opts), inputsOf(actions, seed), seed, (commands) => commands);
      }),
      { numRuns: 500 },
    );
  });

  it("a connection whose open was kept back and adopted when the machine reads the connections gives the same commands, counts and report, up to the order of the entities", () => {
    fc.assert(
      fc.property(options, history, fc.integer(), (opts, actions, seed) => {
        const deferred = new Set<Id>();
        const inputs = inputsOf(actions, seed, deferred);
        matchesStepping(new Deferring(opts, deferred), new Stepping(opts), inputs, seed, unordered);
      }),
      { numRuns: 500 },
    );
  });

  it("an idle connection's grace runs from its last response end, as handed over", () => {
    const state = initial({ capabilities: NODE, keepAliveGraceMs: 1_000, notifyMs: 0 });
    stepInto(state, { type: "open", id: 1, kind: "http1", now: 0 }, []);
    const served = servedRecord();
    countRequest(served);
    countResponseEnd(served, false, 400);
    expect(applyServed(state, 1, served)).toBe(true);
    const out: Command[] = [];
    stepInto(state, { type: "shutdown", mode: "graceful", reason: "test", seed: 1, hooks: [], now: 900 }, out);
    expect(out.some((command) => command.type === "close")).toBe(false);
    expect(nextDeadline(state)).toBe(1_400);
  });

  it("takes only http1 connections the machine knows, not upgraded ones, and only while serving", () => {
    const state = initial({ capabilities: NODE });
    const served = servedRecord();
    countRequest(served);
    expect(applyServed(state, 1, served)).toBe(false);
    stepInto(state, { type: "open", id: 1, kind: "http1", now: 0 }, []);
    stepInto(state, { type: "upgrade", id: 1, now: 1 }, []);
    expect(applyServed(state, 1, served)).toBe(false);
    stepInto(state, { type: "open", id: 2, kind: "http1", now: 2 }, []);
    expect(applyServed(state, 2, served)).toBe(true);
    expect(counts(state)).toMatchObject({ active: 1, requests: 1, upgraded: 1 });
    stepInto(state, { type: "shutdown", mode: "graceful", reason: "test", seed: 1, hooks: [], now: 5 }, []);
    expect(applyServed(state, 2, servedRecord())).toBe(false);
  });

  it("says only the shutdown reads what adapters keep", () => {
    const others: Input["type"][] = ["open", "request", "response-end", "upgrade", "stream-open", "closed", "listener-closed", "probe", "tick", "ready", "hook-done"];
    expect(readsServed({ type: "shutdown" })).toBe(true);
    for (const type of others) expect(readsServed({ type })).toBe(false);
  });
});
