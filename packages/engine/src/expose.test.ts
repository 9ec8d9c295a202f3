import type { Id } from "@drain/core";
import { describe, expect, it } from "vitest";
import { createEngine } from "./engine.ts";
import { exposeEngine } from "./expose.ts";
import { FakeClock, FakeRuntime, memoryLogger } from "./testing/fake-runtime.ts";
import type { Tracker } from "./types.ts";

function setup(runtime = new FakeRuntime(), keepAliveGraceMs = 1_000) {
  const clock = new FakeClock();
  const engine = createEngine({ logger: memoryLogger(), exit: false, keepAliveGraceMs }, runtime, clock);
  return { runtime, engine, clock };
}

describe("the binding's start", () => {
  it("receives the engine's tracker once, before createEngine returns", () => {
    const runtime = new FakeRuntime();
    const received: Tracker[] = [];
    (runtime as FakeRuntime & { start(track: Tracker): void }).start = (track) => void received.push(track);
    const { engine } = setup(runtime);
    expect(received).toEqual([engine.track]);
  });
});

describe("allocate, then open", () => {
  it("a command the core answers the open with names an id the adapter registered before", () => {
    const runtime = new FakeRuntime();
    const registered = new Set<Id>();
    const unknown: string[] = [];
    const execute = runtime.execute.bind(runtime);
    runtime.execute = (command) => {
      if ("id" in command && !registered.has(command.id)) unknown.push(command.type);
      execute(command);
    };
    const { engine, clock } = setup(runtime, 0);
    const busy = engine.track.open("http1");
    registered.add(busy);
    engine.track.request(busy);
    void engine.shutdown({ reason: "test" });
    clock.advance(2_000);
    const id = engine.track.allocate();
    registered.add(id);
    engine.track.opened(id, "http1");
    // Opened during the drain with no grace: closed at once, under the id it was registered with.
    expect(runtime.executed).toContainEqual({ type: "close", id, why: "never-used" });
    expect(unknown).toEqual([]);
  });
});

describe("exposeEngine", () => {
  it("forwards every member with live getters, and keeps the adapter's own getters and overrides", () => {
    const { engine } = setup();
    let server: string | undefined;
    const exposed = exposeEngine(engine, {
      attach: (s: string) => void (server = s),
      get server() {
        return server;
      },
      readiness: () => new Response("mine", { status: 299 }),
    });
    expect(exposed.phase).toBe("serving");
    expect(exposed.track).toBe(engine.track);
    expect(exposed.signal).toBe(engine.signal);
    expect(exposed.server).toBeUndefined();
    exposed.attach("s1");
    expect(exposed.server).toBe("s1");
    expect(exposed.readiness().status).toBe(299);
    void exposed.shutdown({ reason: "test" });
    expect(exposed.phase).not.toBe("serving");
    expect(engine.phase).toBe(exposed.phase);
  });
});
