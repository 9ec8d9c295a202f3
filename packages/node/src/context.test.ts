import { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import type { Tracker } from "@drain/engine";
import { describe, expect, it } from "vitest";
import { AdapterContext } from "./context.ts";
import { onConnection } from "./http1.ts";

/** A tracker that records what the adapter feeds it. */
function recordingTracker(): Tracker & { readonly calls: string[] } {
  const calls: string[] = [];
  let next = 1;
  return {
    calls,
    open: (kind) => {
      const id = next++;
      calls.push(`open ${kind} ${id}`);
      return id;
    },
    allocate: () => next++,
    opened: (id, kind) => void calls.push(`open ${kind} ${id}`),
    request: (id) => void calls.push(`request ${id}`),
    responseEnd: (id, closing) => void calls.push(`response-end ${id} ${closing}`),
    upgrade: (id) => void calls.push(`upgrade ${id}`),
    closed: (id) => void calls.push(`closed ${id}`),
    listenerClosed: () => void calls.push("listener-closed"),
    // Past serving: every request is fed, as these tests record.
    serving: false,
    served: () => false,
    adopt: () => false,
    inFlight: () => false,
    now: () => 0,
    bind: () => undefined,
    idOf: () => undefined,
  };
}

function fakeSocket(remotePort: number): Socket {
  return Object.assign(new EventEmitter(), { remoteAddress: "127.0.0.1", remotePort }) as unknown as Socket;
}

describe("connection bookkeeping", () => {
  it("tracks a new socket that reuses the client port of one whose 'close' has not run yet", () => {
    const context = new AdapterContext();
    const track = recordingTracker();
    context.track = track;
    const old = fakeSocket(40_000);
    const reused = fakeSocket(40_000);
    onConnection(context, old);
    onConnection(context, reused);
    old.emit("close");
    expect(track.calls).toEqual(["open http1 1", "open http1 2", "closed 1"]);
    expect(context.table.known(reused)?.id).toBe(2);
  });

  it("a command the engine issues while the connection opens finds it already registered", () => {
    const context = new AdapterContext();
    const track = recordingTracker();
    const ran: string[] = [];
    context.run = (command) => {
      if ("id" in command && context.table.byId(command.id) !== undefined) ran.push(command.type);
    };
    // The engine answers an open during the drain with `close` at once, inside opened().
    context.track = { ...track, opened: (id, kind) => {
      track.opened(id, kind);
      context.run({ type: "close", id, why: "never-used" });
    } };
    onConnection(context, fakeSocket(40_001));
    expect(ran).toEqual(["close"]);
  });
});
