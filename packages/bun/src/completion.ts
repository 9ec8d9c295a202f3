import type { BunServerLike } from "./bun-types.ts";

/** How often responses still being written are checked again. Bounds how late a response end is noticed. */
export const POLL_MS = 50;

/**
 * While serving, how long after an uncommon response (closing, a failed handler's, another server's) is watched
 * its end is looked for. Nothing reads a response end while serving (the core is handed only the requests still in
 * flight, at `settle`), so one sweep per period costs less than one per event-loop turn; the common responses set
 * no timer at all (see `LANE_LIMIT`). `hurry()` goes back to the next turn when serving ends.
 */
export const SERVING_SWEEP_MS = 20;

/** Notices when Bun has finished sending a response. */
export interface CompletionWatcher {
  /**
   * Call `done(id, closing)` once `request`'s response has been fully written or its client went away. `done` is
   * one function for every response and `id`, `closing` ride along in the entry, so no closure is made per response.
   */
  watch(server: BunServerLike, request: Request, done: Done, id: number, closing: boolean | undefined): void;
  /** Serving has ended: look for the ends of the responses watched so far at the next turn. */
  hurry(): void;
  /** Look for the ends of the responses watched since the last look, now (the adapter's `settle`). */
  checkNow(): void;
  /** Stop watching; pending `done` callbacks are dropped. */
  dispose(): void;
  /** Call `visit` with the id of every response being watched (for the adapter's `settle`). */
  forEachId(visit: (id: number) => void): void;
  /** The response being written for `id`, if it is watched (a linear look, for forced items only). */
  find(id: number): { readonly server: BunServerLike; readonly request: Request } | undefined;
}

/** What a finished response is handed to. */
export type Done = (id: number, closing: boolean | undefined) => void;

interface Watched {
  readonly server: BunServerLike;
  readonly request: Request;
  readonly done: Done;
  readonly id: number;
  readonly closing: boolean | undefined;
}

/**
 * Bun has no "response sent" event, and wrapping the body to see its end would mean rebuilding the Response,
 * which loses Bun's implicit content type (and the sendfile path for files). What Bun does expose:
 * `server.requestIP(request)` turns `null` as soon as the request is detached from its socket, i.e. the response
 * was written in full, the client went away, or the server was force-stopped (measured on Bun 1.4.5).
 * `server.pendingRequests` counts the requests whose response is not written yet (measured on Bun 1.4.5: 1 while a
 * 64 MiB body waits for a client that does not read, 0 once it is read), so when it is 0 a whole batch is done at
 * once, without a `requestIP` call per response.
 * A small response is done by the next `setImmediate` (10,014 of 10,015 in a measurement; never by a microtask),
 * which is where the end is looked for once serving has ended (while serving, when {@link LANE_LIMIT} responses
 * have gathered, and every {@link SERVING_SWEEP_MS} for the uncommon ones);
 * streams and large bodies are checked every {@link POLL_MS}. `setImmediate` rather than `setTimeout(0)`: it sees
 * the same and costs about 2 µs less CPU per request (server CPU in the overhead benchmark, Bun 1.4.5).
 */
export function createCompletionWatcher(serving: () => boolean = () => false): CompletionWatcher {
  // The responses watched since the last look. Almost every one has the same server and `done` and is not closing
  // (every response while serving): those go to a lane of two flat lists, the requests and their ids, set by the
  // first such response. Any other goes to `fresh`, flat too (server, request, done, id, closing per entry). No
  // object per response, and each list takes turns with a spare, so it keeps its size instead of growing again.
  let laneServer: BunServerLike | undefined;
  let laneDone: Done | undefined;
  let laneRequests: Request[] = [];
  let laneIds: number[] = [];
  let spareRequests: Request[] = [];
  let spareIds: number[] = [];
  let fresh: unknown[] = [];
  let spare: unknown[] = [];
  // The one server every entry of `fresh` belongs to (`undefined` when there are none or more than one).
  let freshServer: BunServerLike | undefined;
  let checking = false;
  let slow: Watched[] = [];
  let freshTimer: ReturnType<typeof setImmediate> | undefined;
  let sweepTimer: ReturnType<typeof setTimeout> | undefined;
  let slowTimer: ReturnType<typeof setInterval> | undefined;
  let disposed = false;

  /** Calls `done` for finished entries and returns the others. */
  const sweep = (entries: readonly Watched[]): Watched[] => {
    const left: Watched[] = [];
    for (const entry of entries) {
      if (isDetached(entry.server, entry.request)) entry.done(entry.id, entry.closing);
      else left.push(entry);
    }
    return left;
  };

  const checkSlow = (): void => {
    slow = sweep(slow);
    if (slow.length === 0 && slowTimer !== undefined) {
      clearInterval(slowTimer);
      slowTimer = undefined;
    }
  };

  const pollSlow = (): void => {
    if (disposed || slowTimer !== undefined || slow.length === 0) return;
    slowTimer = unref(setInterval(checkSlow, POLL_MS));
  };

  /**
   * The lane's entries but the newest (when `keepNewest`) are looked at: when the server has no request in flight
   * besides the newest, all of them are written (`pendingRequests` counts until the last byte;
   * docs/runtime-facts.md) and none needs its own `requestIP` call.
   */
  const checkLane = (keepNewest: boolean): void => {
    const requests = laneRequests;
    const ids = laneIds;
    const count = requests.length - (keepNewest ? 1 : 0);
    if (count <= 0) return;
    const server = laneServer as BunServerLike;
    const done = laneDone as Done;
    // The newest counts in `pendingRequests` only if Bun is serving it (not so for a handler called by hand).
    const besides = keepNewest && !isDetached(server, requests[count] as Request) ? 1 : 0;
    const sent = server.pendingRequests !== undefined && server.pendingRequests <= besides;
    laneRequests = spareRequests;
    laneIds = spareIds;
    checking = true;
    try {
      for (let i = 0; i < count; i++) {
        const request = requests[i] as Request;
        if (sent || isDetached(server, request)) done(ids[i] as number, false);
        else slow.push({ server, request, done, id: ids[i] as number, closing: false });
      }
    } finally {
      checking = false;
      // Disposed meanwhile (by a `done`): nothing is kept.
      for (let i = count; i < requests.length && !disposed; i++) {
        laneRequests.push(requests[i] as Request);
        laneIds.push(ids[i] as number);
      }
      requests.length = 0;
      ids.length = 0;
      spareRequests = requests;
      spareIds = ids;
    }
    pollSlow();
  };

  const checkFresh = (): void => {
    freshTimer = undefined;
    if (sweepTimer !== undefined) clearTimeout(sweepTimer);
    sweepTimer = undefined;
    checkLane(false);
    const batch = fresh;
    fresh = spare;
    const sent = freshServer !== undefined && freshServer.pendingRequests === 0;
    freshServer = undefined;
    checking = true;
    try {
      for (let i = 0; i < batch.length; i += STRIDE) {
        if (sent || isDetached(batch[i] as BunServerLike, batch[i + 1] as Request)) (batch[i + 2] as Done)(batch[i + 3] as number, batch[i + 4] as boolean | undefined);
        else slow.push(entryAt(batch, i));
      }
    } finally {
      checking = false;
      batch.length = 0;
      spare = batch;
    }
    pollSlow();
  };

  const schedule = (): void => {
    if (freshTimer !== undefined || sweepTimer !== undefined) return;
    if (!serving()) {
      freshTimer = setImmediate(checkFresh);
      return;
    }
    sweepTimer = unref(setTimeout(checkFresh, SERVING_SWEEP_MS));
  };

  return {
    watch(server, request, done, id, closing): void {
      if (disposed) return;
      if (closing === false && (server === laneServer || laneServer === undefined) && (done === laneDone || laneDone === undefined)) {
        laneServer = server;
        laneDone = done;
        laneRequests.push(request);
        laneIds.push(id);
        if (!serving()) {
          schedule();
          return;
        }
        // While serving no timer wakes up for the lane (on Bun 1.4.5 a sweep timer costs far more than the sweep:
        // one every 5 ms made a hello-world request 5 % dearer); a full lane is looked at here instead, all but
        // this newest response, which Bun has not written yet.
        if (laneRequests.length >= LANE_LIMIT && !checking) checkLane(true);
        return;
      }
      if (fresh.length === 0) freshServer = server;
      else if (server !== freshServer) freshServer = undefined;
      fresh.push(server, request, done, id, closing);
      schedule();
    },
    checkNow(): void {
      if (disposed || checking || (fresh.length === 0 && laneRequests.length === 0)) return;
      if (freshTimer !== undefined) clearImmediate(freshTimer);
      freshTimer = undefined;
      checkFresh();
    },
    hurry(): void {
      if (disposed) return;
      if (sweepTimer !== undefined) clearTimeout(sweepTimer);
      sweepTimer = undefined;
      if (fresh.length !== 0 || laneRequests.length !== 0) freshTimer ??= setImmediate(checkFresh);
    },
    forEachId(visit) {
      for (const id of laneIds) visit(id);
      for (let i = 0; i < fresh.length; i += STRIDE) visit(fresh[i + 3] as number);
      for (const entry of slow) visit(entry.id);
    },
    find(id) {
      const index = laneIds.indexOf(id);
      if (index !== -1) return { server: laneServer as BunServerLike, request: laneRequests[index] as Request };
      for (let i = 0; i < fresh.length; i += STRIDE) if (fresh[i + 3] === id) return entryAt(fresh, i);
      return slow.find((entry) => entry.id === id);
    },
    dispose(): void {
      disposed = true;
      if (freshTimer !== undefined) clearImmediate(freshTimer);
      if (sweepTimer !== undefined) clearTimeout(sweepTimer);
      if (slowTimer !== undefined) clearInterval(slowTimer);
      laneRequests = [];
      laneIds = [];
      fresh = [];
      slow = [];
    },
  };
}

/** While serving, the lane is looked at once it holds this many responses: what bounds its memory without a timer. */
export const LANE_LIMIT = 512;

/** The open response keeps the server (and so the process) alive already; the watcher's timers must not. */
function unref<T>(timer: T): T {
  (timer as { unref?: () => void }).unref?.();
  return timer;
}

/** The length of one entry in the flat list of fresh responses. */
const STRIDE = 5;

function entryAt(list: readonly unknown[], i: number): Watched {
  return { server: list[i] as BunServerLike, request: list[i + 1] as Request, done: list[i + 2] as Done, id: list[i + 3] as number, closing: list[i + 4] as boolean | undefined };
}

function isDetached(server: BunServerLike, request: Request): boolean {
  try {
    return server.requestIP(request) === null;
  } catch {
    // A stopped server may refuse the call; either way the request is no longer being served.
    return true;
  }
}
