import type { ServerResponse } from "node:http";
import { describe, expect, it } from "vitest";
import { InFlightResponses } from "./in-flight.ts";

const response = (name: string): ServerResponse => ({ name }) as unknown as ServerResponse;

describe("InFlightResponses", () => {
  it("holds one response without pipelining", () => {
    const inFlight = new InFlightResponses();
    const a = response("a");
    expect(inFlight.has(a)).toBe(false);
    expect(inFlight.newest()).toBeUndefined();
    inFlight.add(a);
    expect(inFlight.has(a)).toBe(true);
    expect(inFlight.newest()).toBe(a);
    expect([...inFlight]).toEqual([a]);
    inFlight.delete(a);
    expect(inFlight.size).toBe(0);
    expect(inFlight.newest()).toBeUndefined();
  });

  it("keeps pipelined responses oldest first, whichever is removed", () => {
    const inFlight = new InFlightResponses();
    const [a, b, c, d] = [response("a"), response("b"), response("c"), response("d")];
    inFlight.add(a);
    inFlight.add(b);
    inFlight.add(c);
    expect([...inFlight]).toEqual([a, b, c]);
    expect(inFlight.newest()).toBe(c);
    inFlight.delete(a);
    // The oldest went out; a new one must still count as the newest, not take the free first place.
    inFlight.add(d);
    expect([...inFlight]).toEqual([b, c, d]);
    expect(inFlight.newest()).toBe(d);
    inFlight.delete(d);
    expect(inFlight.newest()).toBe(c);
    inFlight.delete(b);
    inFlight.delete(c);
    inFlight.delete(c);
    expect(inFlight.size).toBe(0);
    expect(inFlight.has(b)).toBe(false);
  });
});
