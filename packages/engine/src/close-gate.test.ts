import { describe, expect, it } from "vitest";
import { createCloseGate, type GateTimers } from "./close-gate.ts";

/**
 * Timers the test fires by hand. One `advance` is one turn of the loop: it fires, in order, the timers set before it
 * that are due by its end (a timer set during a turn waits for the next one, even at 0 ms). `stall` moves the clock
 * without firing anything.
 */
function manualTimers(): GateTimers & { time: number; advance(ms: number): void; stall(ms: number): void } {
  let due: { at: number; callback: () => void; id: number }[] = [];
  let next = 0;
  const timers = {
    time: 0,
    set(callback: () => void, ms: number): unknown {
      next += 1;
      due.push({ at: timers.time + ms, callback, id: next });
      return next;
    },
    clear(handle: unknown): void {
      due = due.filter((entry) => entry.id !== handle);
    },
    now(): number {
      return timers.time;
    },
    advance(ms: number): void {
      const until = timers.time + ms;
      const setBefore = next;
      for (;;) {
        const first = due.filter((entry) => entry.at <= until && entry.id <= setBefore).sort((a, b) => a.at - b.at || a.id - b.id)[0];
        if (first === undefined) break;
        due = due.filter((entry) => entry !== first);
        timers.time = Math.max(timers.time, first.at);
        first.callback();
      }
      timers.time = until;
    },
    stall(ms: number): void {
      timers.time += ms;
    },
  };
  return timers;
}

const flush = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

describe("close gate", () => {
  it("passes responses through untouched while not waiting", async () => {
    const gate = createCloseGate({ timers: manualTimers() });
    expect(gate.waiting).toBe(false);
    expect(await gate.hold("response")).toBe("response");
  });

  it("stops after quietMs without arrivals, then lets the held responses go, in that order", async () => {
    const timers = manualTimers();
    const gate = createCloseGate({ quietMs: 50, maxHoldMs: 1000, timers });
    const order: string[] = [];
    gate.close(() => {
      order.push("stop");
      return true;
    });
    void gate.hold("a").then((value) => order.push(value));
    timers.advance(49);
    timers.advance(1);
    await flush();
    expect(order).toEqual([]);
    // The turn after the quiet period.
    timers.advance(0);
    await flush();
    expect(order).toEqual(["stop", "a"]);
    expect(gate.waiting).toBe(false);
  });

  it("holds what arrives while a stop that finishes later runs, and lets it go once that stop is done", async () => {
    const timers = manualTimers();
    const gate = createCloseGate({ quietMs: 50, maxHoldMs: 1000, timers });
    const order: string[] = [];
    let stopped: () => void = () => undefined;
    gate.close(() => new Promise<void>((resolve) => (stopped = resolve)));
    void gate.hold("early").then((value) => order.push(value));
    timers.advance(50);
    timers.advance(0);
    // The stop runs but has not finished: still waiting, and a late arrival is held too.
    expect(gate.waiting).toBe(true);
    void gate.hold("late").then((value) => order.push(value));
    await flush();
    expect(order).toEqual([]);
    stopped();
    await flush();
    expect(order).toEqual(["early", "late"]);
    expect(gate.waiting).toBe(false);
  });

  it("now() stops at once while the gate still waits for its quiet moment", async () => {
    const gate = createCloseGate({ quietMs: 50, maxHoldMs: 1000, timers: manualTimers() });
    const order: string[] = [];
    gate.close(() => {
      order.push("stop");
      return true;
    });
    void gate.hold("a").then((value) => order.push(value));
    gate.now();
    await flush();
    expect(order).toEqual(["stop", "a"]);
    gate.now();
    expect(order).toEqual(["stop", "a"]);
  });

  it("starts the quiet period again at each arrival, but never holds longer than maxHoldMs", async () => {
    const timers = manualTimers();
    const gate = createCloseGate({ quietMs: 50, maxHoldMs: 200, timers });
    let stoppedAt: number | undefined;
    gate.close(() => {
      stoppedAt = timers.time;
      return true;
    });
    timers.advance(40);
    gate.arrived();
    timers.advance(49);
    timers.advance(1);
    expect(stoppedAt).toBeUndefined();
    timers.advance(0);
    expect(stoppedAt).toBe(90);

    const busy = createCloseGate({ quietMs: 50, maxHoldMs: 200, timers });
    const start = timers.time;
    let busyStoppedAt: number | undefined;
    busy.close(() => {
      busyStoppedAt = timers.time;
      return true;
    });
    for (let i = 0; i < 10; i++) {
      timers.advance(30);
      busy.arrived();
    }
    expect(busyStoppedAt).toBe(start + 200);
  });

  it("stops at once, holding nothing, when keepAliveGraceMs is 0; caps both waits at a shorter grace", () => {
    const timers = manualTimers();
    let stops = 0;
    const immediate = createCloseGate({ keepAliveGraceMs: 0, timers });
    immediate.close(() => {
      stops += 1;
      return true;
    });
    expect(stops).toBe(1);
    expect(immediate.waiting).toBe(false);

    const short = createCloseGate({ keepAliveGraceMs: 20, timers });
    let stoppedAt: number | undefined;
    const start = timers.time;
    short.close(() => {
      stoppedAt = timers.time;
      return true;
    });
    timers.advance(10);
    short.arrived();
    timers.advance(100);
    expect(stoppedAt).toBe(start + 20);
  });

  it("starts the quiet period again when its timer fires a whole period late (the process stalled)", () => {
    const timers = manualTimers();
    const gate = createCloseGate({ quietMs: 50, maxHoldMs: 1000, timers });
    let stoppedAt: number | undefined;
    gate.close(() => {
      stoppedAt = timers.time;
      return true;
    });
    timers.stall(120);
    timers.advance(0);
    timers.advance(0);
    expect(stoppedAt).toBeUndefined();
    timers.advance(50);
    timers.advance(0);
    expect(stoppedAt).toBe(170);
  });

  it("waits one more turn after the quiet period: a request read meanwhile starts it again", () => {
    const timers = manualTimers();
    const gate = createCloseGate({ quietMs: 50, maxHoldMs: 1000, timers });
    let stops = 0;
    gate.close(() => {
      stops += 1;
      return true;
    });
    timers.advance(50);
    // The quiet timer fired; the stop waits for the next turn, where a request turns up.
    expect(stops).toBe(0);
    gate.arrived();
    timers.advance(50);
    expect(stops).toBe(0);
    timers.advance(0);
    expect(stops).toBe(1);
  });

  it("releases the held responses without stopping on cancel, and may be closed again after a declined stop", async () => {
    const timers = manualTimers();
    const gate = createCloseGate({ quietMs: 50, timers });
    let stops = 0;
    gate.close(() => {
      stops += 1;
      return false;
    });
    const held = gate.hold("declined");
    timers.advance(50);
    timers.advance(0);
    expect(await held).toBe("declined");
    expect(stops).toBe(1);
    expect(gate.waiting).toBe(false);

    gate.close(() => {
      stops += 1;
      return true;
    });
    const cancelled = gate.hold("cancelled");
    gate.cancel();
    expect(await cancelled).toBe("cancelled");
    timers.advance(1000);
    expect(stops).toBe(1);
  });
});
