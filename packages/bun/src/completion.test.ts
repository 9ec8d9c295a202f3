import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { BunServerLike } from "./bun-types.ts";
import { createCompletionWatcher, POLL_MS, SERVING_SWEEP_MS } from "./completion.ts";

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

  it("while serving looks once per SERVING_SWEEP_MS, not every turn, and goes back to the next turn when hurried", () => {
    const bun = fakeServer();
    const done = vi.fn();
    let serving = true;
    const watcher = createCompletionWatcher(() => serving);
    const first = bun.request();
    const second = bun.request();
    watcher.watch(bun.server, first, done, 1, false);
    watcher.watch(bun.server, second, done, 2, false);
    bun.detach(first);
    expect(vi.getTimerCount()).toBe(1); // one sweep for both
    vi.advanceTimersByTime(SERVING_SWEEP_MS - 1);
    expect(done).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(done).toHaveBeenCalledExactlyOnceWith(1, false);
    // The signal: what is watched now is looked at the next turn.
    const third = bun.request();
    watcher.watch(bun.server, third, done, 3, false);
    bun.detach(third);
    serving = false;
    watcher.hurry();
    vi.advanceTimersToNextTimer();
    expect(done).toHaveBeenLastCalledWith(3, false);
    expect(done).toHaveBeenCalledTimes(2);
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

  it("asks about each response when its server still has a request in flight, or when the batch spans two servers", () => {
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
    // The idle server's response is done; the other server's is still attached, so it is not taken as written.
    expect(done.mock.calls).toEqual([[3, false]]);
    expect(idle.calls.requestIP).toBe(1);
    second.dispose();
  });
});

