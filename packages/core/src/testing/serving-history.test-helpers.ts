/**
 * Arbitraries shared by the properties that compare counting while serving with stepping every input
 * (`served.test.ts`, `tally.test.ts`). Test-only; not exported.
 */
import fc from "fast-check";
import type { Capabilities, Mode, Options } from "../types.ts";

/** The time between two inputs: often none, often a little, now and then past a grace or a notify. */
export const dt = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 2_000 }));
/** Which open entity an input is about (taken modulo the open ones). */
export const pick = fc.nat({ max: 1_000 });
export const mode = fc.constantFrom<Mode>("graceful", "lameduck", "immediate");
/** A shutdown input at a random time. */
export const shutdownAction = fc.record({ t: fc.constant("shutdown" as const), mode, dt });

/** A serving history of at most `maxBefore` inputs, a shutdown, and the life that goes on during the drain. */
export function withShutdown<A>(serving: fc.Arbitrary<A>, shutdown: fc.Arbitrary<A>, maxBefore: number): fc.Arbitrary<A[]> {
  return fc
    .tuple(fc.array(serving, { maxLength: maxBefore }), shutdown, fc.array(fc.oneof({ arbitrary: serving, weight: 12 }, { arbitrary: shutdown, weight: 1 }), { maxLength: 40 }))
    .map(([before, stop, after]) => [...before, stop, ...after]);
}

/** Drain options for those properties, on one of `capabilities`. */
export function servingOptions(...capabilities: Capabilities[]): fc.Arbitrary<Options> {
  return fc.record({
    notifyMs: fc.constantFrom(0, 0, 500),
    timeoutMs: fc.integer({ min: 600, max: 10_000 }),
    keepAliveGraceMs: fc.integer({ min: 0, max: 1_000 }),
    capabilities: fc.constantFrom(...capabilities),
  });
}
