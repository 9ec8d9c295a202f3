import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_REPLAYED_TICKS, firstTick, tickAt, tickTime } from "./ticker.ts";

describe("the ticker's ids", () => {
  it("start live for a new client and after an id that is not ours", () => {
    const now = tickTime(1_000, 250) + 10;
    expect(firstTick(undefined, now, 250)).toBe(1_000);
    for (const id of ["", "abc", "-3", "1.5", "1e3", "9".repeat(16)]) expect(firstTick(id, now, 250)).toBe(1_000);
    expect(firstTick(String(1_000 - MAX_REPLAYED_TICKS - 1), now, 250)).toBe(1_000);
  });

  it("continue right after Last-Event-ID, whichever instance sent it and however long the client was away", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 10, max: 5_000 }), // tickMs
        fc.integer({ min: MAX_REPLAYED_TICKS, max: 1e9 }), // the current tick
        fc.integer({ min: 0, max: MAX_REPLAYED_TICKS }), // ticks missed
        fc.integer({ min: 0, max: 4_999 }), // how far into the current tick
        (tickMs, current, missed, into) => {
          const now = tickTime(current, tickMs) + (into % tickMs);
          expect(tickAt(now, tickMs)).toBe(current);
          expect(firstTick(String(current - missed), now, tickMs)).toBe(current - missed + 1);
        },
      ),
    );
  });

  it("never repeat an id when the next instance's clock is a little behind", () => {
    const now = tickTime(500, 1_000);
    expect(firstTick("503", now, 1_000)).toBe(504);
  });
});
