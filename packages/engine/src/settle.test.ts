import { countRequest, servedRecord, type Id, type Served } from "@drain/core";
import { describe, expect, it } from "vitest";
import { createEngine } from "./engine.ts";
import { FakeClock, FakeRuntime, memoryLogger } from "./testing/fake-runtime.ts";
import type { Tracker } from "./types.ts";

/** An adapter that counts HTTP/1 requests on its own records while serving and hands them over in `settle`. */
class CountingRuntime extends FakeRuntime {
  track: Tracker | undefined;
  readonly records = new Map<Id, Served>();
  readonly settles: string[] = [];

  start(track: Tracker): void {
    this.track = track;
  }

  settle(): void {
    const track = this.track;
    if (track === undefined) return;
    this.settles.push(track.serving ? "serving" : "after");
    if (!track.serving) return;
    for (const [id, served] of this.records) track.served(id, served);
  }

  /** A request on `id`, counted here only. */
  request(id: Id): void {
    let served = this.records.get(id);
    if (served === undefined) this.records.set(id, (served = servedRecord()));
    countRequest(served);
  }
}

function setup() {
  const runtime = new CountingRuntime();
  const engine = createEngine({ logger: memoryLogger(), notifyMs: 0 }, runtime, new FakeClock());
  return { runtime, engine };
}

describe("an adapter's settle", () => {
  it("is asked before every input stepped while serving, before counts(), and once right after the step that ends serving", async () => {
    const { runtime, engine } = setup();
    const id = engine.track.open("http1");
    expect(runtime.settles).toEqual(["serving"]);
    runtime.request(id);
    expect(engine.counts()).toMatchObject({ active: 1, requests: 1 });
    expect(runtime.settles).toEqual(["serving", "serving"]);
    const stopped = engine.shutdown();
    expect(runtime.settles).toEqual(["serving", "serving", "serving", "after"]);
    engine.track.responseEnd(id, true);
    engine.track.closed(id);
    await stopped;
    // Past serving, nothing more is asked: the adapter feeds every request again.
    expect(runtime.settles).toHaveLength(4);
  });

  it("what it hands over is what the shutdown acts on: a request counted only by the adapter gets mark-closing", () => {
    const { runtime, engine } = setup();
    const id = engine.track.open("http1");
    runtime.request(id);
    void engine.shutdown();
    expect(runtime.executed).toContainEqual({ type: "mark-closing", id });
    engine.dispose();
  });
});
