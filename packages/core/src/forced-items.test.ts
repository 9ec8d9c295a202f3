import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FORCED_ITEMS_LIMIT, forcedItems, initial, step, tallyOpen, tallyRequest } from "./index.ts";
import type { Capabilities, Command, Input, Kind, Report } from "./types.ts";
import { NODE, REQUEST_LEVEL, SIGTERM, reportOf } from "./testing/fixtures.test-helpers.ts";

/** One thing that is still busy at the deadline, opened at `at`. */
interface Busy {
  readonly kind: "http1" | "http2" | "request" | "sse" | "ws";
  readonly at: number;
}

function openInputs(busy: readonly Busy[]): Input[] {
  const inputs: Input[] = [];
  busy.forEach((item, i) => {
    const id = i + 1;
    if (item.kind === "sse" || item.kind === "ws") inputs.push({ type: "stream-open", id, kind: item.kind, now: item.at });
    else inputs.push({ type: "open", id, kind: item.kind, now: item.at }, { type: "request", id, now: item.at });
  });
  return inputs;
}

function run(capabilities: Capabilities, busy: readonly Busy[], end: "deadline" | "second-signal"): { report: Report; commands: Command[] } {
  let state = initial({ capabilities, timeoutMs: 1_000, wsCloseTimeoutMs: 60_000 });
  const commands: Command[] = [];
  const last = busy.reduce((max, item) => Math.max(max, item.at), 0);
  const inputs: Input[] = [...openInputs(busy), { ...SIGTERM, now: last }];
  inputs.push(end === "deadline" ? { type: "tick", now: last + 1_000 } : { ...SIGTERM, now: last + 10 });
  for (const input of inputs) {
    const [next, out] = step(state, input);
    state = next;
    commands.push(...out);
  }
  return { report: reportOf(commands), commands };
}

const busyItem = fc.record({
  kind: fc.constantFrom<Busy["kind"]>("http1", "http2", "request", "sse", "ws"),
  at: fc.integer({ min: 0, max: 5_000 }),
});

describe("forced items", () => {
  it("lists each forced thing with its kind and age (force time − open time), up to the limit, and counts the rest", () => {
    fc.assert(
      fc.property(fc.array(busyItem, { maxLength: FORCED_ITEMS_LIMIT + 20 }).map((items) => items.sort((a, b) => a.at - b.at)), fc.constantFrom(NODE, REQUEST_LEVEL), fc.constantFrom("deadline" as const, "second-signal" as const), (busy, capabilities, end) => {
        const { report } = run(capabilities, busy, end);
        const forced = report.connections.forced + report.sse.forced + report.websockets.forced;
        expect(report.forcedItems.length + report.forcedItemsLeftOut).toBe(forced);
        expect(report.forcedItems.length).toBe(Math.min(forced, FORCED_ITEMS_LIMIT));
        const forceAt = report.phases.find((p) => p.phase === "force")?.startedAt;
        for (const item of report.forcedItems) {
          const opened = busy[item.id - 1];
          expect(item.kind).toBe(opened?.kind as Kind);
          expect(item.ageMs).toBe((forceAt ?? Number.NaN) - (opened?.at ?? Number.NaN));
          expect(item.ageIsLowerBound).toBe(false);
        }
        // Ids are listed once each.
        expect(new Set(report.forcedItems.map((item) => item.id)).size).toBe(report.forcedItems.length);
      }),
      { numRuns: 300 },
    );
  });

  it("names every destroyed id, whether destroyed one by one (Node) or left to the runtime's force (Bun, Deno)", () => {
    const busy: Busy[] = [{ kind: "request", at: 0 }, { kind: "sse", at: 100 }, { kind: "ws", at: 200 }];
    const node = run(NODE, busy, "deadline");
    const destroyed = node.commands.filter((c) => c.type === "destroy").map((c) => (c.type === "destroy" ? c.id : -1));
    expect(node.report.forcedItems.map((item) => item.id)).toEqual(destroyed);
    const requestLevel = run(REQUEST_LEVEL, busy, "deadline");
    expect(requestLevel.commands).toContainEqual({ type: "force-remaining", count: 1 });
    expect(requestLevel.report.forcedItems).toEqual([
      { id: 1, kind: "request", ageMs: 1_200, ageIsLowerBound: false },
      { id: 2, kind: "sse", ageMs: 1_100, ageIsLowerBound: false },
      { id: 3, kind: "ws", ageMs: 1_000, ageIsLowerBound: false },
    ]);
  });

  it("does not list a WebSocket cut after it left our 1001 unanswered: that is the protocol's path, not a force", () => {
    let state = initial({ capabilities: NODE, timeoutMs: 10_000, wsCloseTimeoutMs: 500 });
    const commands: Command[] = [];
    for (const input of [{ type: "stream-open", id: 1, kind: "ws", now: 0 }, { ...SIGTERM, now: 0 }, { type: "tick", now: 500 }] as Input[]) {
      const [next, out] = step(state, input);
      state = next;
      commands.push(...out);
    }
    expect(commands).toContainEqual({ type: "destroy", id: 1, why: "ws-close-timeout" });
    expect(reportOf(commands).forcedItems).toEqual([]);
    expect(forcedItems(state)).toEqual([]);
  });

  it("counts a tallied request's age from the first stepped input after its open, and says it is a lower bound", () => {
    let state = initial({ capabilities: REQUEST_LEVEL, timeoutMs: 1_000 });
    // Counted while serving without a clock (Bun, Deno); the shutdown at 5 000 is the first stepped input.
    tallyOpen(state, 7, "request");
    tallyRequest(state, 7);
    const commands: Command[] = [];
    for (const input of [{ ...SIGTERM, now: 5_000 }, { type: "tick", now: 6_000 }] as Input[]) {
      const [next, out] = step(state, input);
      state = next;
      commands.push(...out);
    }
    expect(reportOf(commands).forcedItems).toEqual([{ id: 7, kind: "request", ageMs: 1_000, ageIsLowerBound: true }]);
  });
});
