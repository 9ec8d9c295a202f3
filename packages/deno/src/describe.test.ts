import { describe, expect, it } from "vitest";
import type { Tracker } from "@drain/engine";
import { describeRequest } from "./describe.ts";
import type { ServeHandlerInfo } from "./deno-api.ts";
import { denoState } from "./shutdown-state.ts";

/** A handler's info whose `remoteAddr` getter counts its reads, as Deno's asks the runtime on each. */
function infoFor(hostname: string, port: number): { info: ServeHandlerInfo; reads: () => number } {
  let reads = 0;
  const info = {
    get remoteAddr() {
      reads++;
      return { transport: "tcp", hostname, port };
    },
    completed: new Promise<void>(() => {}),
  };
  return { info, reads: () => reads };
}

describe("describeRequest (Deno)", () => {
  it("finds a forced request by its id among those in flight, and reads its peer only then", () => {
    const state = denoState();
    const hang = new Request("http://localhost/hang?x=1");
    const other = new Request("http://localhost/");
    const peer = infoFor("127.0.0.1", 50412);
    state.inflight.set(other, infoFor("127.0.0.1", 1).info);
    state.inflight.set(hang, peer.info);
    const ids = new Map<object, number>([[hang, 7]]);
    const track = { idOf: (request: object) => ids.get(request) } as unknown as Tracker;
    expect(peer.reads()).toBe(0);
    expect(describeRequest(state, track, 7)).toEqual({ method: "GET", path: "/hang?x=1", peer: "127.0.0.1:50412" });
    expect(peer.reads()).toBe(1);
    expect(describeRequest(state, track, 8)).toBeUndefined();
  });

  it("finds an SSE stream's request by the request itself, bound to an id or not; IPv6 peers are bracketed", () => {
    const state = denoState();
    const events = new Request("http://localhost/sse");
    state.inflight.set(events, infoFor("::1", 4000).info);
    const track = { idOf: () => undefined } as unknown as Tracker;
    expect(describeRequest(state, track, 3, events)).toEqual({ method: "GET", path: "/sse", peer: "[::1]:4000" });
  });
});
