/** Test set-up shared by this package's unit tests: a real engine on the engine's fake runtime and clock. */
import { createEngine, type DrainOptions, type Engine } from "@drain/engine";
import { FakeClock, FakeRuntime } from "../../../engine/src/testing/fake-runtime.ts";

export interface TestDrain {
  readonly engine: Engine;
  readonly clock: FakeClock;
  /** Keep the drain from finishing: a request in flight that only `release()` ends. */
  hold(): { release(): void };
}

export function testDrain(options: DrainOptions = {}): TestDrain {
  const clock = new FakeClock();
  const engine = createEngine({ exit: false, logger: false, sseRetryMs: [2000, 2000], ...options }, new FakeRuntime(), clock);
  return {
    engine,
    clock,
    hold() {
      const id = engine.track.open("request");
      engine.track.request(id);
      return {
        release() {
          engine.track.responseEnd(id, true);
          engine.track.closed(id);
        },
      };
    },
  };
}
