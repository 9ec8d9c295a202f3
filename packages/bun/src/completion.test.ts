import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { BunServerLike } from "./bun-types.ts";
import { createCompletionWatcher, LANE_LIMIT, POLL_MS, SERVING_SWEEP_MS } from "./completion.ts";

/** A server whose requests stay attached until `detach(request)`, as Bun's `requestIP` reports them. */
function fakeServer() {
  const attached = new Set<Request>();
  const server = { requestIP: (request: Request) => (attached.has(request) ? { address: "127.0.0.1", family: "IPv4", port: 1 } : null) };
  return {
    server: server as unknown as BunServerLike,
    request(): Request {
      const request = new Request("http://localhost/");
      attached.add(request);
      return request;
    },
    detach: (request: Request) => attached.delete(request),
  };
}

/** A server that counts its requests in flight (`pendingRequests`) and its `requestIP` calls. */
function countingServer(pending: { count: number }) {
  const calls = { requestIP: 0 };
  const server = {
    get pendingRequests() {
      return pending.count;
    },
    requestIP: () => {
      calls.requestIP++;
      return pending.count === 0 ? null : { address: "127.0.0.1", family: "IPv4", port: 1 };
    },
  };
  return { server: server as unknown as BunServerLike, calls };
}

describe("createCompletionWatcher", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setImmediate", "clearImmediate", "setInterval", "clearInterval", "setTimeout", "clearTimeout"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("sees a response Bun has already written at the next setImmediate, without waiting for the poll", () => {
    const bun = fakeServer();
    const done = vi.fn();
    const request = bun.request();
    createCompletionWatcher().watch(bun.server, request, done, 7, false);
    bun.detach(request); // Bun writes a small response right after the handler returns
    expect(done).not.toHaveBeenCalled();
    vi.runOnlyPendingTimers();
    expect(done).toHaveBeenCalledOnce();
    expect(done).toHaveBeenCalledWith(7, false);
  });

  it("polls a response still being written every POLL_MS until Bun lets go of it", () => {
    const bun = fakeServer();
    const done = vi.fn();
    const request = bun.request();
    createCompletionWatcher().watch(bun.server, request, done, 7, false);
    vi.runOnlyPendingTimers(); // the setImmediate: still attached, moves to the poll
    vi.advanceTimersByTime(POLL_MS * 3);
    expect(done).not.toHaveBeenCalled();
    bun.detach(request);
    vi.advanceTimersByTime(POLL_MS);
    expect(done).toHaveBeenCalledOnce();
    expect(vi.getTimerCount()).toBe(0); // the poll stops once nothing is left to watch
  });

  it("while serving sets no timer for the common responses: a full lane is looked at as the next one is watched", () => {
    const bun = fakeServer();
    const done = vi.fn();
    const watcher = createCompletionWatcher(() => true);
    const requests = Array.from({ length: LANE_LIMIT - 1 }, () => bun.request());
    for (const [index, request] of requests.entries()) watcher.watch(bun.server, request, done, index + 1, false);
    expect(vi.getTimerCount()).toBe(0);
    expect(done).not.toHaveBeenCalled();
    // All but the last two are written; the next response fills the lane.
    for (const request of requests.slice(0, -2)) bun.detach(request);
    watcher.watch(bun.server, bun.request(), done, LANE_LIMIT, false);
    expect(done).toHaveBeenCalledTimes(LANE_LIMIT - 3);
    // The two still being written are polled from now on; the newest (not written yet) stays in the lane.
    expect(vi.getTimerCount()).toBe(1);
    const ids: number[] = [];
    watcher.forEachId((id) => ids.push(id));
    expect(ids.sort((x, y) => x - y)).toEqual([LANE_LIMIT - 2, LANE_LIMIT - 1, LANE_LIMIT]);
    watcher.dispose();
  });

  it("while serving looks at a full lane without a requestIP call when the server has only the newest request in flight", () => {
    const pending = { count: 1 };
    const bun = countingServer(pending);
    const done = vi.fn();
    const watcher = createCompletionWatcher(() => true);
    for (let id = 1; id <= LANE_LIMIT; id++) watcher.watch(bun.server, new Request("http://localhost/"), done, id, false);
    expect(done).toHaveBeenCalledTimes(LANE_LIMIT - 1);
    // One call, about the newest: Bun counts it only if Bun is serving it.
    expect(bun.calls.requestIP).toBe(1);
    watcher.dispose();
  });

  it("does not take a full lane as written when its newest request is not one Bun serves (a handler called by hand)", () => {
    const bun = fakeServer();
    const server = Object.assign(Object.create(bun.server) as BunServerLike, {
      get pendingRequests() {
        return 1; // the download below
      },
    });
    const done = vi.fn();
    const watcher = createCompletionWatcher(() => true);
    const download = bun.request();
    watcher.watch(server, download, done, 1, false);
    for (let id = 2; id < LANE_LIMIT; id++) {
      const written = bun.request();
      bun.detach(written);
      watcher.watch(server, written, done, id, false);
    }
    watcher.watch(server, new Request("http://localhost/by-hand"), done, LANE_LIMIT, false);
    expect(done).toHaveBeenCalledTimes(LANE_LIMIT - 2);
    expect(done).not.toHaveBeenCalledWith(1, false);
    watcher.dispose();
  });

  it("while serving looks once per SERVING_SWEEP_MS at other responses, and at everything the next turn once hurried", () => {
    const bun = fakeServer();
    const done = vi.fn();
    let serving = true;
    const watcher = createCompletionWatcher(() => serving);
    const first = bun.request();
    const second = bun.request();
    const common = bun.request();
    watcher.watch(bun.server, first, done, 1, true);
    watcher.watch(bun.server, second, done, 2, undefined);
    watcher.watch(bun.server, common, done, 3, false);
    bun.detach(first);
    bun.detach(common);
    expect(vi.getTimerCount()).toBe(1); // one sweep for all
    vi.advanceTimersByTime(SERVING_SWEEP_MS - 1);
    expect(done).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(done.mock.calls).toEqual([
      [3, false],
      [1, true],
    ]);
    // The signal: what is watched now is looked at the next turn.
    const fourth = bun.request();
    watcher.watch(bun.server, fourth, done, 4, false);
    bun.detach(fourth);
    serving = false;
    watcher.hurry();
    vi.advanceTimersToNextTimer();
    expect(done).toHaveBeenLastCalledWith(4, false);
  });

  it("checkNow looks at once, before the sweep: what Bun has written ends, the rest is polled", () => {
    const bun = fakeServer();
    const done = vi.fn();
    const watcher = createCompletionWatcher(() => true);
    const written = bun.request();
    const writing = bun.request();
    watcher.watch(bun.server, written, done, 1, false);
    watcher.watch(bun.server, writing, done, 2, false);
    bun.detach(written);
    watcher.checkNow();
    expect(done).toHaveBeenCalledExactlyOnceWith(1, false);
    expect(watcher.find(2)?.request).toBe(writing);
    bun.detach(writing);
    vi.advanceTimersByTime(POLL_MS);
    expect(done).toHaveBeenLastCalledWith(2, false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("drops what it still watches when disposed", () => {
    const bun = fakeServer();
    const done = vi.fn();
    const watcher = createCompletionWatcher();
    const request = bun.request();
    watcher.watch(bun.server, request, done, 7, false);
    bun.detach(request);
    watcher.dispose();
    vi.runAllTimers();
    expect(done).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });
  it("takes a whole batch as written when its server has no request in flight, without a requestIP call per response", () => {
    const pending = { count: 0 };
    const bun = countingServer(pending);
    const done = vi.fn();
    const watcher = createCompletionWatcher();
    for (let id = 1; id <= 3; id++) watcher.watch(bun.server, new Request("http://localhost/"), done, id, false);
    vi.runOnlyPendingTimers();
    expect(done.mock.calls).toEqual([
      [1, false],
      [2, false],
      [3, false],
    ]);
    expect(bun.calls.requestIP).toBe(0);
  });

  it("asks about each response when its server still has a request in flight; with two servers, each answers for its own", () => {
    const pending = { count: 1 };
    const busy = countingServer(pending);
    const done = vi.fn();
    const watcher = createCompletionWatcher();
    watcher.watch(busy.server, new Request("http://localhost/"), done, 1, false);
    watcher.watch(busy.server, new Request("http://localhost/"), done, 2, false);
    vi.runOnlyPendingTimers();
    expect(busy.calls.requestIP).toBe(2);
    expect(done).not.toHaveBeenCalled();
    watcher.dispose();

    const idle = countingServer({ count: 0 });
    const other = fakeServer();
    const held = other.request();
    const second = createCompletionWatcher();
    second.watch(idle.server, new Request("http://localhost/"), done, 3, false);
    second.watch(other.server, held, done, 4, false);
    vi.runOnlyPendingTimers();
    // The idle server's response is done without asking; the other server's is still attached, so it is not taken
    // as written.
    expect(done.mock.calls).toEqual([[3, false]]);
    expect(idle.calls.requestIP).toBe(0);
    second.dispose();
  });
  it("hands each response's end on with what it was watched with, closing or not, beside the common ones", () => {
    const bun = fakeServer();
    const done = vi.fn();
    const watcher = createCompletionWatcher();
    const requests = [bun.request(), bun.request(), bun.request()];
    watcher.watch(bun.server, requests[0] as Request, done, 1, false);
    watcher.watch(bun.server, requests[1] as Request, done, 2, true);
    watcher.watch(bun.server, requests[2] as Request, done, 3, undefined);
    const ids: number[] = [];
    watcher.forEachId((id) => ids.push(id));
    expect(ids.sort()).toEqual([1, 2, 3]);
    expect(watcher.find(2)?.request).toBe(requests[1]);
    for (const request of requests) bun.detach(request);
    vi.runOnlyPendingTimers();
    expect(done.mock.calls).toEqual([
      [1, false],
      [2, true],
      [3, undefined],
    ]);
  });
});

