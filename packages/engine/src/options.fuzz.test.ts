import { isDrainError, type DrainErrorCode } from "@drain/core";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createEngine } from "./engine.ts";
import { FakeClock, FakeRuntime, memoryLogger, settle } from "./testing/fake-runtime.ts";

/** What start-up may answer a bad option with: nothing else, and never a bare TypeError. */
const OPTION_CODES: readonly DrainErrorCode[] = [
  "ERR_DRAIN_UNKNOWN_OPTION",
  "ERR_DRAIN_INVALID_OPTION",
  "ERR_DRAIN_INVALID_DURATION",
  "ERR_DRAIN_NOTIFY_NOT_BEFORE_DEADLINE",
  "ERR_DRAIN_INVALID_RANGE",
  "ERR_DRAIN_INVALID_MODE",
];

/** Values no option takes: every JSON-ish shape, plus the ones that break a careless check (null prototypes, symbols). */
const garbage: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything({ withNullPrototype: true, withBigInt: true, withMap: true, withSet: true, withDate: true, withTypedArray: true, withSparseArray: true, withBoxedValues: true }),
  fc.constantFrom(null, undefined, "x", "", 0, -1, Number.NaN, Number.POSITIVE_INFINITY, true, false, [], {}, Symbol("x"), Object.create(null)),
);
/** Mostly a value the option takes, sometimes garbage: so that one bad key at a time is what start-up sees. */
function mostly(valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 5, arbitrary: valid }, { weight: 1, arbitrary: garbage });
}
const ms = mostly(fc.integer({ min: 0, max: 120_000 }));
/** An object with some of `keys` and maybe a key nobody knows. */
function partial(keys: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .tuple(fc.record(keys, { requiredKeys: [] }), fc.option(fc.tuple(fc.string({ minLength: 1, maxLength: 8 }), garbage), { nil: undefined }))
    .map(([known, extra]) => (extra === undefined || extra[0] in known ? known : { ...known, [extra[0]]: extra[1] }));
}

const options: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 1, arbitrary: garbage },
  {
    weight: 6,
    arbitrary: partial({
      timeoutMs: ms,
      notifyMs: fc.oneof(fc.constant(0), ms),
      cleanupMs: ms,
      wsCloseTimeoutMs: ms,
      keepAliveGraceMs: ms,
      lameduckWindowMs: ms,
      progressEveryMs: ms,
      sseRetryMs: mostly(fc.tuple(fc.nat(10_000), fc.nat(10_000))),
      signals: mostly(fc.oneof(fc.constant(false), fc.subarray(["SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT"]), fc.array(fc.string()))),
      exit: mostly(fc.oneof(fc.constant(false), partial({ clean: mostly(fc.nat(255)), forced: mostly(fc.nat(255)) }))),
      logger: mostly(fc.oneof(fc.constant(false), fc.constant(memoryLogger()), partial({ info: garbage, warn: garbage, error: garbage }))),
      mode: mostly(fc.constantFrom("graceful", "lameduck", "immediate")),
      env: mostly(fc.dictionary(fc.constantFrom("KUBERNETES_SERVICE_HOST", "NOTIFY_SOCKET", "PATH"), fc.string())),
      control: mostly(
        fc.oneof(
          partial({ socket: mostly(fc.constant("/run/test/fuzz.sock")), token: mostly(fc.constant("0123456789abcdef0123")), rateLimit: mostly(partial({ burst: mostly(fc.nat(100)), perSecond: mostly(fc.nat(100)) })) }),
          partial({ port: mostly(fc.nat(65_535)), host: mostly(fc.constantFrom("127.0.0.1", "::1", "0.0.0.0")), token: mostly(fc.constant("0123456789abcdef0123")) }),
        ),
      ),
    }),
  },
);

describe("options, fuzzed", () => {
  // Options without a logger log to stderr (console.error) on every accepted run: keep the test output readable.
  beforeEach(() => {
    vi.spyOn(console, "error").mockImplementation(() => {});
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("either fail at start-up with a DrainError with a stable code and a message, or give a drain that shuts down", async () => {
    await fc.assert(
      fc.asyncProperty(options, async (value) => {
        const runtime = new FakeRuntime();
        const clock = new FakeClock();
        let engine: ReturnType<typeof createEngine>;
        try {
          engine = createEngine(value as never, runtime, clock);
        } catch (error) {
          if (!isDrainError(error)) throw error;
          expect(OPTION_CODES).toContain(error.code);
          expect(error.message.length).toBeGreaterThan(10);
          return;
        }
        // Accepted: it works. With nothing open, the shutdown ends within the budget (notify included).
        const report = engine.shutdown({ reason: "fuzz" });
        clock.advance(86_400_000);
        await settle();
        expect((await report).reason).toBe("fuzz");
        engine.dispose();
      }),
      { numRuns: 3_000 },
    );
  });

  it.each([
    [null, "ERR_DRAIN_INVALID_OPTION"],
    ["x", "ERR_DRAIN_INVALID_OPTION"],
    [[], "ERR_DRAIN_INVALID_OPTION"],
    [{ logger: null }, "ERR_DRAIN_INVALID_OPTION"],
    [{ exit: { cleen: 3 } }, "ERR_DRAIN_UNKNOWN_OPTION"],
    [{ env: "x" }, "ERR_DRAIN_INVALID_OPTION"],
    [{ mode: Object.create(null) }, "ERR_DRAIN_INVALID_MODE"],
  ])("%s fails with %s", (value, code) => {
    expect(() => createEngine(value as never, new FakeRuntime(), new FakeClock())).toThrow(expect.objectContaining({ name: "DrainError", code }));
  });
});
