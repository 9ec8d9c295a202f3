import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { initial, nextDeadline, notifyStatus, step } from "./index.ts";
import type { AdaptiveNotify, Command, Id, Input, NotifyEnd, Options, Report } from "./types.ts";
import { NODE, REQUEST_LEVEL, SIGTERM, errorCode, nodeOptions, ofType, reportOf } from "./testing/fixtures.test-helpers.ts";
import { runUntilStopped } from "./testing/driver.test-helpers.ts";

/** Options as a caller might mistype them: the types say no, the runtime check must too. */
function loose(value: Record<string, unknown>): Options {
  return value as unknown as Options;
}

/** The time of the first `phase` command that left notify (drain, or force on a second request). */
function leftNotifyAt(commands: readonly Command[]): number | undefined {
  return ofType(commands, "phase").find((c) => c.phase === "drain" || c.phase === "force")?.at;
}

describe("adaptive notify: options", () => {
  it("fills in the adaptive defaults, holding maxMs under half of a short budget", () => {
    expect(initial(nodeOptions({ notifyMs: {} })).options.notify).toEqual({ kind: "adaptive", minMs: 1_000, quietMs: 1_000, maxMs: 10_000 });
    expect(initial(nodeOptions({ notifyMs: {}, timeoutMs: 4_000 })).options.notify).toEqual({ kind: "adaptive", minMs: 1_000, quietMs: 1_000, maxMs: 2_000 });
    expect(initial(nodeOptions({ notifyMs: {}, timeoutMs: 1_000 })).options.notify).toEqual({ kind: "adaptive", minMs: 500, quietMs: 1_000, maxMs: 500 });
    // The hooks' reserve is sized against the longest notify.
    expect(initial(nodeOptions({ notifyMs: { maxMs: 7_000 } })).options.notifyMs).toBe(7_000);
    expect(initial(nodeOptions({ notifyMs: 3_000 })).options.notify).toEqual({ kind: "fixed", ms: 3_000 });
  });

  it.each<[string, unknown, string]>([
    ["an unknown key", { quiet: 1_000 }, "ERR_DRAIN_UNKNOWN_OPTION"],
    ["a negative duration", { quietMs: -1 }, "ERR_DRAIN_INVALID_DURATION"],
    ["a string duration", { minMs: "1000" }, "ERR_DRAIN_INVALID_DURATION"],
    ["a quiet window of 0", { quietMs: 0 }, "ERR_DRAIN_INVALID_DURATION"],
    ["min above max", { minMs: 3_000, maxMs: 2_000 }, "ERR_DRAIN_INVALID_RANGE"],
    ["max not under the budget", { maxMs: 25_000 }, "ERR_DRAIN_NOTIFY_NOT_BEFORE_DEADLINE"],
    ["an array", [1_000, 2_000], "ERR_DRAIN_INVALID_OPTION"],
    ["null", null, "ERR_DRAIN_INVALID_DURATION"],
  ])("rejects %s with a stable code", (_label, notifyMs, code) => {
    expect(errorCode(() => initial(loose({ capabilities: NODE, notifyMs })))).toBe(code);
  });
});

describe("adaptive notify: examples", () => {
  const adaptive = (notify: AdaptiveNotify, extra: Partial<Options> = {}): Options => nodeOptions({ notifyMs: notify, ...extra });

  it("with no traffic, the drain starts at minMs", () => {
    let [s] = step(initial(adaptive({ minMs: 500, quietMs: 300, maxMs: 5_000 })), { ...SIGTERM, now: 1_000 });
    expect(nextDeadline(s)).toBe(1_500);
    let cmds: readonly Command[];
    [s, cmds] = step(s, { type: "tick", now: 1_500 });
    expect(leftNotifyAt(cmds)).toBe(1_500);
    expect(runUntilStopped(s, 1_500, cmds).report.notify).toMatchObject({
      kind: "adaptive",
      endedBy: "min",
      durationMs: 500,
      lastArrivalAt: null,
    });
  });

  it("waits for a quiet window after the last arrival, waking only when the window could have passed", () => {
    let [s] = step(initial(adaptive({ minMs: 500, quietMs: 300, maxMs: 5_000 })), { ...SIGTERM, now: 0 });
    let cmds: readonly Command[];
    for (let t = 100; t <= 1_000; t += 100) {
      [s, cmds] = step(s, { type: "open", id: t, kind: "request", now: t });
      [s, cmds] = step(s, { type: "request", id: t, now: t });
      // Arrivals do not move the wake-up (the engine's timer is not re-armed per request); any input at or past it
      // looks again, as a tick would.
      expect(nextDeadline(s)).toBe(t < 500 ? 500 : t < 800 ? 800 : 1_100);
      if (t === 500 || t === 800) [s, cmds] = step(s, { type: "tick", now: t });
      expect(leftNotifyAt(cmds)).toBeUndefined();
    }
    expect(notifyStatus(s)).toEqual({ kind: "adaptive", startedAt: 0, endedBy: undefined, lastArrivalAt: 1_000, endsAt: 1_300 });
    [s, cmds] = step(s, { type: "tick", now: 1_100 });
    expect(nextDeadline(s)).toBe(1_300);
    [s, cmds] = step(s, { type: "tick", now: 1_300 });
    expect(leftNotifyAt(cmds)).toBe(1_300);
    expect(notifyStatus(s)).toEqual({ kind: "adaptive", startedAt: 0, endedBy: "quiet", lastArrivalAt: 1_000, endsAt: 1_300 });
    const run = runUntilStopped(s, 1_300, cmds);
    expect(run.report.notify).toEqual({ kind: "adaptive", endedBy: "quiet", startedAt: 0, durationMs: 1_300, arrivals: 20, probes: 0, lastArrivalAt: 1_000 });
  });

  it("does not count readiness probes as traffic: a balancer polling a marked-down server does not hold notify open", () => {
    let [s] = step(initial(adaptive({ minMs: 200, quietMs: 300, maxMs: 5_000 }, { capabilities: REQUEST_LEVEL })), { ...SIGTERM, now: 0 });
    let cmds: readonly Command[] = [];
    [s] = step(s, { type: "open", id: 1, kind: "request", now: 50 }); // real traffic
    [s] = step(s, { type: "request", id: 1, now: 50 });
    for (let t = 100; t < 1_000; t += 100) {
      const id: Id = 1_000 + t;
      if (nextDeadline(s) !== undefined && (nextDeadline(s) as number) <= t) [s, cmds] = step(s, { type: "tick", now: nextDeadline(s) as number });
      if (leftNotifyAt(cmds) !== undefined) break;
      [s] = step(s, { type: "open", id, kind: "request", now: t });
      [s] = step(s, { type: "request", id, now: t });
      [s] = step(s, { type: "probe", id, now: t });
    }
    expect(leftNotifyAt(cmds)).toBe(350);
    expect(runUntilStopped(s, 350, cmds).report.notify).toMatchObject({ endedBy: "quiet", lastArrivalAt: 50, probes: 3 });
  });

  it("a probe never takes back a real request before it on the same connection", () => {
    let [s] = step(initial(adaptive({ minMs: 1_000, quietMs: 300, maxMs: 5_000 })), { ...SIGTERM, now: 0 });
    [s] = step(s, { type: "open", id: 1, kind: "http2", now: 10 });
    [s] = step(s, { type: "request", id: 1, now: 100 }); // real, on a multiplexed session
    [s] = step(s, { type: "request", id: 1, now: 120 }); // the probe, on the same session
    [s] = step(s, { type: "probe", id: 1, now: 120 });
    expect(notifyStatus(s)?.lastArrivalAt).toBe(100);
  });

  it("ends at maxMs when traffic never stops", () => {
    let [s] = step(initial(adaptive({ minMs: 100, quietMs: 300, maxMs: 1_000 })), { ...SIGTERM, now: 0 });
    let cmds: readonly Command[] = [];
    for (let t = 50; leftNotifyAt(cmds) === undefined; t += 50) {
      if ((nextDeadline(s) as number) <= t) [s, cmds] = step(s, { type: "tick", now: nextDeadline(s) as number });
      else [s, cmds] = step(s, { type: "open", id: t, kind: "http1", now: t });
    }
    expect(leftNotifyAt(cmds)).toBe(1_000);
    expect(runUntilStopped(s, 1_000, cmds).report.notify).toMatchObject({ endedBy: "max", durationMs: 1_000 });
  });

  it("says when the budget or a second request cut it, fixed or adaptive", () => {
    let [s, cmds] = step(initial(adaptive({ minMs: 2_000 })), { ...SIGTERM, timeoutMs: 1_000, now: 0 });
    [s, cmds] = step(s, { type: "tick", now: nextDeadline(s) as number });
    expect(runUntilStopped(s, s.now, cmds).report.notify).toMatchObject({ endedBy: "budget", durationMs: 1_000 });

    [s, cmds] = step(initial(nodeOptions({ notifyMs: 2_000 })), { ...SIGTERM, now: 0 });
    [s, cmds] = step(s, { ...SIGTERM, now: 700 });
    expect(reportOf(cmds).notify).toMatchObject({ kind: "fixed", endedBy: "escalated", durationMs: 700 });
  });
});

// --- properties ---

/** One thing that happens during notify, `dt` ms after the previous one. */
type Event =
  | { readonly t: "conn"; readonly kind: "http1" | "http2" | "request"; readonly dt: number }
  | { readonly t: "req"; readonly pick: number; readonly dt: number }
  | { readonly t: "probe-new"; readonly kind: "http1" | "request"; readonly dt: number }
  | { readonly t: "probe-reused"; readonly pick: number; readonly dt: number }
  | { readonly t: "unused-conn"; readonly rekeyed: boolean; readonly dt: number }
  | { readonly t: "second-request"; readonly dt: number };

const dt = fc.oneof(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 600 }), fc.integer({ min: 0, max: 4_000 }));
const event: fc.Arbitrary<Event> = fc.oneof(
  { arbitrary: fc.record({ t: fc.constant("conn" as const), kind: fc.constantFrom("http1" as const, "http2" as const, "request" as const), dt }), weight: 4 },
  { arbitrary: fc.record({ t: fc.constant("req" as const), pick: fc.nat(), dt }), weight: 4 },
  { arbitrary: fc.record({ t: fc.constant("probe-new" as const), kind: fc.constantFrom("http1" as const, "request" as const), dt }), weight: 4 },
  { arbitrary: fc.record({ t: fc.constant("probe-reused" as const), pick: fc.nat(), dt }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant("unused-conn" as const), rekeyed: fc.boolean(), dt }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant("second-request" as const), dt }), weight: 1 },
);
const scenario = fc
  .record({
    minMs: fc.integer({ min: 0, max: 2_000 }),
    quietMs: fc.integer({ min: 1, max: 1_500 }),
    extra: fc.integer({ min: 0, max: 6_000 }),
    afterMax: fc.integer({ min: 1, max: 5_000 }),
    // This shutdown's own budget, sometimes shorter than notify may last.
    budget: fc.option(fc.integer({ min: 0, max: 9_000 }), { freq: 3 }),
    events: fc.array(event, { maxLength: 80 }),
  })
  .map((s) => ({ ...s, maxMs: s.minMs + s.extra, timeoutMs: s.minMs + s.extra + s.afterMax }));

interface Expected {
  readonly at: number;
  readonly endedBy: NotifyEnd;
  readonly lastArrivalAt: number | null;
}

/**
 * Drive the machine as the engine does (a tick exactly at `nextDeadline`, before any input at or after it) and
 * compute independently when notify must end: the first moment at least `minMs` in that is `quietMs` past the last
 * arrival that was not a probe, or `maxMs` in, or the budget's end, or the second request.
 */
function run(s: ReturnType<typeof scenario.generate>["value"]): { actual: { at: number | undefined; report: Report; deadlines: number[] }; expected: Expected } {
  const { minMs, quietMs, maxMs } = s;
  let state = initial(nodeOptions({ notifyMs: { minMs, quietMs, maxMs }, timeoutMs: s.timeoutMs }));
  const start = 10_000;
  const forceAt = start + (s.budget ?? s.timeoutMs);
  let commands: readonly Command[];
  [state, commands] = step(state, { ...SIGTERM, ...(s.budget === null ? {} : { timeoutMs: s.budget }), now: start });
  let at = leftNotifyAt(commands);
  const all: Command[] = [...commands];
  const deadlines: number[] = [];
  const feedAll = (inputs: readonly Input[]): void => {
    for (const input of inputs) {
      [state, commands] = step(state, input);
      all.push(...commands);
      at ??= leftNotifyAt(commands);
    }
  };
  // The model: the last arrival that was not a probe, and the expected end.
  let lastReal: number | null = null;
  let expected: Expected | undefined;
  const expectedEnd = (): Expected => {
    const quietEnd = lastReal === null ? Number.NEGATIVE_INFINITY : lastReal + quietMs;
    const unbounded = Math.max(start + minMs, Math.min(quietEnd, start + maxMs));
    if (forceAt < unbounded) return { at: forceAt, endedBy: "budget", lastArrivalAt: lastReal };
    return { at: unbounded, endedBy: quietEnd >= start + maxMs ? "max" : quietEnd <= start + minMs ? "min" : "quiet", lastArrivalAt: lastReal };
  };
  const opened: Id[] = [];
  const requested = new Set<Id>();
  let nextId = 1;
  let now = start;
  for (const e of s.events) {
    const t = now + e.dt;
    // The engine's timer: ticks at each deadline up to (and including) the event's time come first.
    for (let d = nextDeadline(state); at === undefined && d !== undefined && d <= t; d = nextDeadline(state)) {
      deadlines.push(d);
      feedAll([{ type: "tick", now: d }]);
    }
    if (expected === undefined && expectedEnd().at <= t) expected = expectedEnd();
    now = t;
    if (at !== undefined) break;
    switch (e.t) {
      case "conn": {
        const id = nextId++;
        opened.push(id);
        feedAll([{ type: "open", id, kind: e.kind, now }]);
        lastReal = now;
        break;
      }
      case "req": {
        const id = opened[e.pick % Math.max(1, opened.length)];
        if (id === undefined) break;
        requested.add(id);
        feedAll([{ type: "request", id, now }]);
        lastReal = now;
        break;
      }
      case "probe-new": {
        const id = nextId++;
        feedAll([{ type: "open", id, kind: e.kind, now }, { type: "request", id, now }, { type: "probe", id, now }]);
        break;
      }
      case "probe-reused": {
        // A keep-alive connection that already carried a request sends the probe.
        const used = opened.filter((id) => requested.has(id));
        const id = used[e.pick % Math.max(1, used.length)];
        if (id === undefined) break;
        feedAll([{ type: "request", id, now }, { type: "probe", id, now }]);
        break;
      }
      case "unused-conn": {
        // A TCP check (open, close, no request); or a probe whose connection the adapter re-keys when it turns out
        // to speak HTTP/2 (Node: closed under its first id, opened under a new one).
        const first = nextId++;
        if (e.rekeyed) {
          const id = nextId++;
          feedAll([{ type: "open", id: first, kind: "http1", now }, { type: "closed", id: first, now }, { type: "open", id, kind: "http2", now }, { type: "request", id, now }, { type: "probe", id, now }]);
        } else {
          feedAll([{ type: "open", id: first, kind: "http1", now }, { type: "closed", id: first, now }]);
        }
        break;
      }
      case "second-request":
        expected ??= { at: now, endedBy: "escalated", lastArrivalAt: lastReal };
        feedAll([{ ...SIGTERM, now }]);
        break;
    }
  }
  for (let d = nextDeadline(state); at === undefined && d !== undefined; d = nextDeadline(state)) {
    deadlines.push(d);
    feedAll([{ type: "tick", now: d }]);
  }
  expected ??= expectedEnd();
  const stopped = ofType(all, "stopped")[0];
  const report = stopped === undefined ? runUntilStopped(state, state.now, []).report : stopped.report;
  return { actual: { at, report, deadlines }, expected };
}

describe("adaptive notify: properties", () => {
  it("ends exactly when the model says: never before minMs, always by maxMs, never while arrivals keep coming within the quiet window, and the budget wins", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { actual, expected } = run(s);
        const start = 10_000;
        const notify = actual.report.notify;
        // maxMs 0 means no notify phase at all.
        if (s.maxMs === 0 && notify === undefined && actual.at === start) return;
        if (notify === undefined) throw new Error("no notify in the report");
        const why = `${JSON.stringify(expected)} vs at ${actual.at} ${JSON.stringify(notify)}`;
        const forceAt = start + (s.budget ?? s.timeoutMs);
        // The properties, stated one by one, then the exact end.
        if (actual.at === undefined) throw new Error(`notify never ended: ${why}`);
        if (notify.endedBy !== "budget" && notify.endedBy !== "escalated" && actual.at < start + s.minMs) throw new Error(`ended before minMs: ${why}`);
        if (actual.at > start + s.maxMs) throw new Error(`ended after maxMs: ${why}`);
        if (actual.at > forceAt) throw new Error(`outlived the budget: ${why}`);
        if (notify.endedBy === "quiet" && expected.lastArrivalAt !== null && actual.at < expected.lastArrivalAt + s.quietMs) throw new Error(`ended inside a quiet window: ${why}`);
        if (actual.at !== expected.at || notify.endedBy !== expected.endedBy || notify.lastArrivalAt !== expected.lastArrivalAt) throw new Error(`not the model's end: ${why}`);
        // The timer is never asked to wake after the end (a late wake would start the drain late).
        if (actual.deadlines.some((d) => d > actual.at!)) throw new Error(`a deadline after the end: ${why} ${actual.deadlines.join(",")}`);
      }),
      { numRuns: 3_000 },
    );
  }, 60_000);
});

describe("adaptive notify: resolved options", () => {
  it("stay adaptive when resolved again (the engine resolves them, then the core's initial does)", () => {
    const once = initial(nodeOptions({ notifyMs: { minMs: 200, quietMs: 300, maxMs: 4_000 } })).options;
    expect(initial(once).options.notify).toEqual({ kind: "adaptive", minMs: 200, quietMs: 300, maxMs: 4_000 });
  });
});
