import { describe, expect, it } from "vitest";
import type { BunServerLike } from "./bun-types.ts";
import type { CompletionWatcher } from "./completion.ts";
import { activeResources, describeRequest } from "./describe.ts";

function watcherWith(entries: Record<number, { server: BunServerLike; request: Request }>): CompletionWatcher {
  return { watch: () => {}, dispose: () => {}, forEachId: () => {}, hurry: () => {}, checkNow: () => {}, find: (id) => entries[id] };
}

describe("describeRequest (Bun)", () => {
  it("describes a response being written: method and path from the Request, peer from server.requestIP", () => {
    const request = new Request("http://localhost/download?chunks=4");
    const server = { requestIP: () => ({ address: "127.0.0.1", port: 50412, family: "IPv4" }) } as unknown as BunServerLike;
    expect(describeRequest(watcherWith({ 5: { server, request } }), 5)).toEqual({ method: "GET", path: "/download?chunks=4", peer: "127.0.0.1:50412" });
  });

  it("leaves out the peer once Bun has detached the request, and knows nothing of a request it does not watch", () => {
    const request = new Request("http://localhost/slow", { method: "POST" });
    const server = { requestIP: () => null } as unknown as BunServerLike;
    const watcher = watcherWith({ 5: { server, request } });
    expect(describeRequest(watcher, 5)).toEqual({ method: "POST", path: "/slow" });
    expect(describeRequest(watcher, 6)).toBeUndefined();
  });

  it("says it cannot list what holds the process (Bun 1.4.5 lists nothing)", () => {
    expect(activeResources()).toBeUndefined();
  });
});
