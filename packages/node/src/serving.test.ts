import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Input } from "@drain/core";
import type { Tracker } from "@drain/engine";
import { drain } from "./drain.ts";
import { ConnectionTable, type Connection } from "./connections.ts";
import { LOOK_MS, ServingReader, writingNow } from "./serving.ts";
import { drainListens, get, listen, QUIET, rawClient, responses } from "./testing/net.ts";
import type { NodeDrain } from "./types.ts";

let server: Server | undefined;
let drained: NodeDrain | undefined;

afterEach(() => {
  vi.useRealTimers();
  drained?.dispose();
  server?.closeAllConnections();
  server?.close();
  server = undefined;
  drained = undefined;
});

/** A server whose `/slow` and `/stream` end on `release()`, and which then shows each request's response to `seen`. */
function start(withDrain: boolean, seen: (req: IncomingMessage, res: ServerResponse) => void = () => undefined): { server: Server; release: () => void } {
  const pending: (() => void)[] = [];
  server = createServer((req, res) => {
    if (req.url === "/slow") pending.push(() => res.end("slow-done"));
    else if (req.url === "/stream") {
      // The head goes out at once: too late for `Connection: close`, so the core must hear the end to close it.
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("head-sent;");
      pending.push(() => res.end("stream-done"));
    } else res.end("ok");
    seen(req, res);
  });
  if (withDrain) drained = drain(server, { ...QUIET, keepAliveGraceMs: 0, timeoutMs: 3_000 });
  return { server, release: () => pending.splice(0).forEach((answer) => answer()) };
}

/** The listeners on a response while its handler runs, by event. */
async function listenersSeen(withDrain: boolean, path: string): Promise<string> {
  let counts = "";
  const { server, release } = start(withDrain, (_req, res) => {
    counts = `close ${res.listenerCount("close")}, finish ${res.listenerCount("finish")}`;
  });
  const client = await rawClient(await listen(server));
  client.send(get(path));
  if (path === "/slow") await expect.poll(() => counts).not.toBe("");
  release();
  await client.waitFor((text) => responses(text) === 1);
  return counts;
}

describe("HTTP/1.1 requests while serving", () => {
  it("adds no listener to a response, even one in flight for many looks", async () => {
    const bare = await listenersSeen(false, "/");
    server?.close();
    expect(await listenersSeen(true, "/")).toBe(bare);
    server?.closeAllConnections();
    server?.close();
    let response: ServerResponse | undefined;
    const { server: slow, release } = start(true, (_req, res) => (response = res));
    const client = await rawClient(await listen(slow));
    client.send(get("/slow"));
    await expect.poll(() => response).toBeDefined();
    const before = response?.listenerCount("close");
    await new Promise((resolve) => setTimeout(resolve, 3 * LOOK_MS));
    expect(response?.listenerCount("close")).toBe(before);
    release();
  });

  it("gives a socket accepted while serving nothing (no record, no listener) until it lives past a look; the shutdown still finds a young one, in flight or never used", async () => {
    const sockets: Socket[] = [];
    const { server, release } = start(true, (req) => void sockets.push(req.socket));
    const bare = createServer();
    const bareClose = await new Promise<number>((resolve) => {
      bare.on("connection", (socket: Socket) => resolve(socket.listenerCount("close")));
      void listen(bare).then((port) => rawClient(port)).then((client) => client.socket.destroy());
    });
    bare.close();
    const port = await listen(server);
    const client = await rawClient(port);
    client.send(get("/"));
    await client.waitFor((text) => responses(text) === 1);
    const socket = sockets[0] as Socket;
    expect(drainListens(socket)).toBe(false);
    expect(socket.listenerCount("close")).toBe(bareClose);
    const closed = once(socket, "close");
    client.socket.destroy();
    await closed;

    const slow = await rawClient(port);
    slow.send(get("/slow"));
    await expect.poll(() => sockets.length).toBe(2);
    const unused = await rawClient(port);
    // Both accepted less than two looks ago, so (unless the machine stalled) neither is recorded: the shutdown's read records them.
    const accepted = (): Promise<number> => new Promise((resolve) => server.getConnections((_error, count) => resolve(count)));
    await expect.poll(accepted).toBe(2);
    const stopped = drained?.shutdown();
    release();
    const text = await slow.ended;
    expect(text.toLowerCase()).toContain("connection: close");
    expect(text.endsWith("slow-done")).toBe(true);
    await unused.ended;
    expect((await stopped)?.connections).toMatchObject({ closedAfterResponse: 1, closedNeverUsed: 1, forced: 0 });
  });

  it("finishes a socket recorded at the signal a microtask after the step: linked and listened to, so a request on it during its grace is answered on its one record", async () => {
    const sockets: Socket[] = [];
    const { server } = start(false, (req) => void sockets.push(req.socket));
    const graceful = drain(server, { ...QUIET, keepAliveGraceMs: 1_000, timeoutMs: 3_000 });
    drained = graceful;
    const client = await rawClient(await listen(server));
    client.send(get("/"));
    await client.waitFor((text) => responses(text) === 1);
    const socket = sockets[0] as Socket;
    // Accepted less than two looks ago (unless the machine stalled): the shutdown's read records it.
    expect(drainListens(socket)).toBe(false);
    const stopped = graceful.shutdown();
    expect(drainListens(socket)).toBe(false);
    await Promise.resolve();
    expect(drainListens(socket)).toBe(true);
    client.send(get("/"));
    const text = await client.ended;
    expect(responses(text)).toBe(2);
    expect(text.toLowerCase().split("connection: close")).toHaveLength(2);
    expect((await stopped).connections).toMatchObject({ closedAfterResponse: 1, closedIdle: 0, forced: 0 });
  });

  it("relies on what Node does: the socket names the response of the request just begun, none once it finished, and counts the bytes the client sent", async () => {
    const seen: { atRequest: boolean; finished: Promise<unknown>; socket: Socket }[] = [];
    const { server } = start(true, (req, res) => {
      // `req.socket`: a pipelined response has no socket of its own until the ones before it are written.
      seen.push({ atRequest: writingNow(req.socket) === res, finished: once(res, "finish"), socket: req.socket });
    });
    const port = await listen(server);
    const unused = await rawClient(port);
    const client = await rawClient(port);
    client.send(get("/"));
    await client.waitFor((text) => responses(text) === 1);
    client.send(get("/"));
    await client.waitFor((text) => responses(text) === 2);
    expect(seen.map((s) => s.atRequest)).toEqual([true, true]);
    await Promise.all(seen.map((s) => s.finished));
    expect(writingNow(seen[1]?.socket as Socket)).toBeNull();
    expect(seen[1]?.socket.bytesRead).toBe(2 * get("/").length);
    await expect.poll(() => drained?.counts()).toMatchObject({ neverUsed: 1, idle: 1 });
    unused.socket.destroy();
  });

  it("counts() reads a request in flight, then the idle connection once its response finished", async () => {
    const finished: Promise<unknown>[] = [];
    const { server, release } = start(true, (_req, res) => void finished.push(once(res, "finish")));
    const client = await rawClient(await listen(server));
    client.send(get("/slow"));
    await expect.poll(() => drained?.counts().requests).toBe(1);
    expect(drained?.counts()).toMatchObject({ active: 1, idle: 0, requests: 1 });
    release();
    await Promise.all(finished);
    expect(drained?.counts()).toMatchObject({ active: 0, idle: 1, requests: 0 });
  });

  it("a response in flight at the signal gets its 'close' listener then: its end is fed, and its connection closed after it", async () => {
    let response: ServerResponse | undefined;
    const { server, release } = start(true, (_req, res) => (response = res));
    const client = await rawClient(await listen(server));
    client.send(get("/slow"));
    await expect.poll(() => response).toBeDefined();
    const before = response?.listenerCount("close") ?? 0;
    const stopped = drained?.shutdown();
    expect(response?.listenerCount("close")).toBe(before + 1);
    release();
    const text = await client.ended;
    expect(text.toLowerCase()).toContain("connection: close");
    expect(text.endsWith("slow-done")).toBe(true);
    expect((await stopped)?.connections).toMatchObject({ closedAfterResponse: 1, forced: 0 });
  });

  it("a response whose head left before the signal is followed to its end, and its connection closed after it", async () => {
    const { server, release } = start(true, (req) => {
      if (req.url === "/stream") void drained?.shutdown();
    });
    const client = await rawClient(await listen(server));
    client.send(get("/stream"));
    await expect.poll(() => drained?.phase).not.toBe("serving");
    release();
    const text = await client.ended;
    expect(text.toLowerCase()).not.toContain("connection: close");
    expect(text).toContain("stream-done");
    // Closed by drain once the response ended (the grace is 0 here), not forced at the deadline.
    expect((await drained?.stopped)?.connections).toMatchObject({ closedAfterResponse: 1, forced: 0 });
  });
});

/** A response as the reader sees it. */
interface FakeResponse {
  writableFinished: boolean;
  destroyed: boolean;
  shouldKeepAlive: boolean;
  readonly name: number;
  getHeader(): undefined;
}

/** A socket as the reader sees it: what Node is writing on it, the bytes it read, whether it was ended. */
interface FakeSocket {
  _httpMessage: FakeResponse | null;
  bytesRead: number;
  writableEnded: boolean;
  destroyed: boolean;
  /** As Node's: false once the socket is ended or destroyed. */
  readonly writable: boolean;
}

/** One plain HTTP/1.1 connection as Node runs it: the response being written, and the ones queued behind it. */
class NodeConnection {
  readonly socket: FakeSocket = {
    _httpMessage: null,
    bytesRead: 0,
    writableEnded: false,
    destroyed: false,
    get writable() {
      return !this.writableEnded && !this.destroyed;
    },
  };
  readonly queued: FakeResponse[] = [];
  #names = 0;

  /** A request arrives: Node gives its response the socket, or queues it behind the one being written. */
  request(bytes: number): FakeResponse {
    this.socket.bytesRead += bytes;
    const response: FakeResponse = { writableFinished: false, destroyed: false, shouldKeepAlive: true, name: this.#names++, getHeader: () => undefined };
    if (this.socket._httpMessage === null) this.socket._httpMessage = response;
    else this.queued.push(response);
    return response;
  }

  /** The response being written finishes; `close`: it carried `Connection: close`, and Node ends the socket. */
  finish(close: boolean): void {
    const response = this.socket._httpMessage;
    if (response === null) return;
    response.writableFinished = true;
    if (close) {
      response.shouldKeepAlive = false;
      this.socket.writableEnded = true;
    }
    this.socket._httpMessage = this.queued.shift() ?? null;
  }

  inFlight(): FakeResponse[] {
    return this.socket._httpMessage === null ? [] : [this.socket._httpMessage, ...this.queued];
  }
}

type Step =
  | { readonly t: "request"; readonly bytes: number; readonly dt: number }
  | { readonly t: "finish"; readonly close: boolean; readonly dt: number }
  | { readonly t: "bytes" | "look"; readonly dt: number };

const steps: fc.Arbitrary<Step[]> = fc.array(
  fc.oneof(
    { arbitrary: fc.record({ t: fc.constant("request" as const), bytes: fc.integer({ min: 1, max: 400 }), dt: fc.integer({ min: 0, max: 400 }) }), weight: 5 },
    { arbitrary: fc.record({ t: fc.constant("finish" as const), close: fc.oneof({ arbitrary: fc.constant(false), weight: 9 }, { arbitrary: fc.constant(true), weight: 1 }), dt: fc.integer({ min: 0, max: 400 }) }), weight: 5 },
    { arbitrary: fc.record({ t: fc.constantFrom("bytes" as const, "look" as const), dt: fc.integer({ min: 0, max: 400 }) }), weight: 2 },
  ),
  { maxLength: 40 },
);

describe("ServingReader", () => {
  it("with no keep-alive grace, closes every idle socket within the shutdown's own step, one a look recorded or one just accepted", async () => {
    const sockets: Socket[] = [];
    const { server } = start(true, (req) => void sockets.push(req.socket));
    const port = await listen(server);
    const older = await rawClient(port);
    older.send(get("/"));
    await older.waitFor((text) => responses(text) === 1);
    // Recorded by a look, then busy again after it: its read at the signal finds it busy "just now".
    await expect.poll(() => drainListens(sockets[0] as Socket)).toBe(true);
    older.send(get("/"));
    await older.waitFor((text) => responses(text) === 2);
    const young = await rawClient(port);
    young.send(get("/"));
    await young.waitFor((text) => responses(text) === 1);
    const stopped = drained?.shutdown();
    // No timer tick in between: a grace that ended at the step's own time is over in that step.
    expect([...new Set(sockets)].map((socket) => socket.destroyed)).toEqual([true, true]);
    expect((await stopped)?.connections).toMatchObject({ closedIdle: 2, forced: 0 });
  });

  interface Setup {
    reader: ServingReader;
    table: ConnectionTable;
    /** The connection's record: undefined while its socket waits unrecorded. */
    connection: () => Connection | undefined;
    clock: { now: number };
    look: (now: number) => void;
    settle: (next?: Input) => void;
  }

  /**
   * A reader over one connection on `socket`, with a fake clock and tracker; `look(now)` runs the periodic look at
   * `now`. `deferred`: the socket was accepted while serving and waits unrecorded (a plain http.Server's).
   */
  function setup(socket: object = {}, deferred = false): Setup {
    vi.useFakeTimers();
    const clock = { now: 0 };
    const track = { serving: true, now: () => clock.now, served: () => true };
    const table = new ConnectionTable(false);
    const reader = new ServingReader(table, () => track as unknown as Tracker, () => undefined, (raw, _opened, later) => void table.create(raw, "http1", 1, !later), deferred);
    if (!deferred) table.create(socket as Socket, "http1", 1);
    else expect(reader.accept(socket as Socket)).toBe(true);
    reader.opened();
    return {
      reader,
      table,
      connection: () => table.byId(1),
      clock,
      look: (now) => {
        clock.now = now;
        vi.advanceTimersByTime(LOOK_MS);
      },
      settle: (next) => reader.settle(next),
    };
  }

  it("reads every connection for the shutdown and counts() only, never for another input", () => {
    const node = new NodeConnection();
    const { connection, settle } = setup(node.socket);
    node.request(100);
    settle({ type: "open", id: 2, kind: "http1", now: 5 });
    expect(connection()).toMatchObject({ state: "never-used", inflight: 0 });
    settle({ type: "shutdown", mode: "graceful", reason: "test", seed: 1, hooks: [], now: 5 });
    expect(connection()).toMatchObject({ state: "active", inflight: 1 });
  });

  it("records a socket accepted while serving only once it lived past a look, or when the core reads the connections; never one that closed before", () => {
    const waiting = new NodeConnection();
    const { connection, look, settle, reader } = setup(waiting.socket, true);
    look(LOOK_MS);
    expect(connection()).toBeUndefined();
    look(2 * LOOK_MS);
    expect(connection()?.raw).toBe(waiting.socket);

    const gone = new NodeConnection();
    const second = setup(gone.socket, true);
    gone.socket.destroyed = true;
    second.look(LOOK_MS);
    second.look(2 * LOOK_MS);
    second.settle({ type: "shutdown", mode: "graceful", reason: "test", seed: 1, hooks: [], now: 600 });
    expect(second.connection()).toBeUndefined();

    const young = new NodeConnection();
    const third = setup(young.socket, true);
    young.request(100);
    third.settle({ type: "open", id: 2, kind: "http1", now: 5 });
    expect(third.connection()).toBeUndefined();
    third.settle(undefined);
    expect(third.connection()).toMatchObject({ state: "active", inflight: 1 });
    reader.stop();
    second.reader.stop();
    third.reader.stop();
  });

  it("takes a TLS connection whose handshake is not done as never used, whatever its raw socket read", () => {
    const table = new ConnectionTable(true, true);
    const connection = table.create({ bytesRead: 300, _httpMessage: undefined } as unknown as Socket, "http1", 1);
    const reader = new ServingReader(table, () => ({ serving: true, now: () => 7, served: () => true }) as unknown as Tracker, () => undefined, () => undefined, false);
    reader.settle(undefined);
    expect(connection).toMatchObject({ state: "never-used", inflight: 0 });
  });

  it("from any history on a connection, a read gives Node's state: in flight in order, idle, closing or never used, and a grace start never before the last response end and no later than the first look after it went quiet", () => {
    fc.assert(
      fc.property(steps, fc.boolean(), (history, deferred) => {
        const node = new NodeConnection();
        const { reader, table, connection, clock, look, settle } = setup(node.socket, deferred);
        let now = 0;
        /** Looks so far, and whether a request needed the record before the looks gave it one (as `findOrOpen`). */
        let looks = 0;
        let claimed = false;
        /** When the last response ended, and when the connection last did anything (a byte, an end). */
        let lastEnd = Number.NEGATIVE_INFINITY;
        let lastActivity = Number.NEGATIVE_INFINITY;
        /** The first look that found it quiet after its last activity. */
        let quietLook: number | undefined;
        for (const step of history) {
          now += step.dt;
          if (step.t === "request") {
            if (node.socket.writableEnded) continue;
            const response = node.request(step.bytes);
            // What the wrapper does (attach.ts): only a request Node did not give the socket reaches the reader,
            // recording its socket first if it still waits (http1.ts `findOrOpen`).
            if (node.socket._httpMessage !== response) {
              if (connection() === undefined) {
                reader.claim(node.socket as unknown as Socket);
                table.create(node.socket as unknown as Socket, "http1", 1);
                claimed = true;
              }
              reader.request(connection() as Connection, node.socket as unknown as Socket, response as unknown as ServerResponse);
            }
            lastActivity = now;
            quietLook = undefined;
          } else if (step.t === "finish") {
            if (node.socket._httpMessage === null) continue;
            node.finish(step.close);
            lastEnd = now;
            lastActivity = now;
            quietLook = undefined;
          } else if (step.t === "bytes") {
            if (node.socket.writableEnded) continue;
            node.socket.bytesRead += 1;
            lastActivity = now;
            quietLook = undefined;
          } else {
            look(now);
            looks += 1;
            // A waiting socket is recorded at the second look after it was accepted, which then reads it.
            expect(connection() !== undefined).toBe(!deferred || claimed || looks >= 2);
            if (connection() !== undefined && quietLook === undefined && node.inFlight().length === 0 && node.socket.bytesRead !== 0) quietLook = now;
          }
        }
        now += 1;
        // The clock moved on since the shutdown was stamped: the read takes the input's time, so a connection busy
        // "just now" is not busy after the step that reads it (its grace would end in a timer tick of its own).
        clock.now = now + 7;
        settle({ type: "shutdown", mode: "graceful", reason: "test", seed: 1, hooks: [], now });
        const read = connection();
        expect(read).toBeDefined();
        const record = read as Connection;
        const inFlight = node.inFlight();
        // Every response in flight is held, oldest first, so each end can be fed and the newest marked.
        expect([...record.responses]).toEqual(inFlight);
        expect(record.inflight).toBe(inFlight.length);
        const expected = inFlight.length !== 0 ? "active" : node.socket.writableEnded ? "closing" : node.socket.bytesRead === 0 ? "never-used" : "idle";
        expect(record.state).toBe(expected);
        if (expected === "idle") {
          expect(record.last).toBeGreaterThanOrEqual(lastEnd);
          expect(record.last).toBeGreaterThanOrEqual(lastActivity);
          expect(record.last).toBeLessThanOrEqual(quietLook ?? now);
        }
        if (expected === "never-used") expect(record.last).toBe(Number.NEGATIVE_INFINITY);
        reader.stop();
        vi.useRealTimers();
      }),
      { numRuns: 300 },
    );
  });
});
