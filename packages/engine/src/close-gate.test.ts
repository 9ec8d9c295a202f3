import { describe, expect, it } from "vitest";
import { createCloseGate, type GateTimers } from "./close-gate.ts";

/** Timers the test fires by hand, in order of their due time. */
function manualTimers(): GateTimers & { now: number; advance(ms: number): void } {
  let due: { at: number; callback: () => void; id: number }[] = [];
  let next = 0;
  const timers = {
    now: 0,
    set(callback: () => void, ms: number): unknown {
      next += 1;
      due.push({ at: timers.now + ms, callback, id: next });
      return next;
    },
    clear(handle: unknown): void {
      due = due.filter((entry) => entry.id !== handle);
    },
    advance(ms: number): void {
      const until = timers.now + ms;
      for (;;) {
        const first = due.filter((entry) => entry.at <= until).sort((a, b) => a.at - b.at)[0];
        if (first === undefined) break;
        due = due.filter((entry) => entry !== first);
        timers.now = first.at;
        first.callback();
      }
      timers.now = until;
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
    await flush();
    expect(order).toEqual([]);
    timers.advance(1);
    await flush();
    expect(order).toEqual(["stop", "a"]);
    expect(gate.waiting).toBe(false);
  });

  it("starts the quiet period again at each arrival, but never holds longer than maxHoldMs", async () => {
    const timers = manualTimers();
    const gate = createCloseGate({ quietMs: 50, maxHoldMs: 200, timers });
    let stoppedAt: number | undefined;
    gate.close(() => {
      stoppedAt = timers.now;
      return true;
    });
    timers.advance(40);
    gate.arrived();
    timers.advance(49);
    expect(stoppedAt).toBeUndefined();
    timers.advance(1);
    expect(stoppedAt).toBe(90);

    const busy = createCloseGate({ quietMs: 50, maxHoldMs: 200, timers });
    const start = timers.now;
    let busyStoppedAt: number | undefined;
    busy.close(() => {
      busyStoppedAt = timers.now;
      return true;
    });
    for (let i = 0; i < 10; i++) {
      timers.advance(30);
      busy.arrived();
    }
    expect(busyStoppedAt).toBe(start + 200);
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
