import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { drain } from "./drain.ts";
import type { Socket } from "node:net";
import type { Tracker } from "@drain/engine";
import { ConnectionTable, type Connection } from "./connections.ts";
import { ServingCounter, SWEEP_MS } from "./serving.ts";
import { get, listen, QUIET, rawClient, responses } from "./testing/net.ts";
import type { NodeDrain } from "./types.ts";

let server: Server | undefined;
let drained: NodeDrain | undefined;

afterEach(() => {
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
async function listenersSeen(withDrain: boolean): Promise<string> {
  let counts = "";
  const { server } = start(withDrain, (_req, res) => {
    counts = `close ${res.listenerCount("close")}, finish ${res.listenerCount("finish")}`;
  });
  const client = await rawClient(await listen(server));
  client.send(get("/"));
  await client.waitFor((text) => responses(text) === 1);
  return counts;
}

describe("HTTP/1.1 requests while serving", () => {
  it("adds no listener to a response: it is only counted on its connection", async () => {
    const bare = await listenersSeen(false);
    server?.close();
    expect(await listenersSeen(true)).toBe(bare);
  });

  it("relies on what Node does: the socket names the response of the request just begun, and none once it finished", async () => {
    const seen: { atRequest: boolean; finished: Promise<unknown>; socket: Socket }[] = [];
    const { server } = start(true, (req, res) => {
      // `req.socket`: a pipelined response has no socket of its own until the ones before it are written.
      const socket = req.socket as Socket & { _httpMessage?: unknown };
      seen.push({ atRequest: socket._httpMessage === res, finished: once(res, "finish"), socket });
    });
    const client = await rawClient(await listen(server));
    client.send(get("/"));
    await client.waitFor((text) => responses(text) === 1);
    client.send(get("/"));
    await client.waitFor((text) => responses(text) === 2);
    expect(seen.map((s) => s.atRequest)).toEqual([true, true]);
    await Promise.all(seen.map((s) => s.finished));
    expect((seen[1]?.socket as { _httpMessage?: unknown })._httpMessage).toBeNull();
  });

  it("counts() sees a request in flight, then the idle connection once its response finished", async () => {
    const finished: Promise<unknown>[] = [];
    const { server, release } = start(true, (_req, res) => void finished.push(once(res, "finish")));
    const client = await rawClient(await listen(server));
    client.send(get("/slow"));
    await expect.poll(() => drained?.counts().requests).toBe(1);
    expect(drained?.counts()).toMatchObject({ active: 1, idle: 0, requests: 1 });
    release();
    await Promise.all(finished);
    // No sweep has run yet, necessarily: counts() hands over what was counted first.
    expect(drained?.counts()).toMatchObject({ active: 0, idle: 1, requests: 0 });
  });

  it("a response in flight for two sweeps gets one 'close' listener; after the signal its end is fed and the drain ends", async () => {
    let response: ServerResponse | undefined;
    let before = -1;
    const { server, release } = start(true, (_req, res) => {
      response = res;
      before = res.listenerCount("close");
    });
    const client = await rawClient(await listen(server));
    client.send(get("/slow"));
    await expect.poll(() => response).toBeDefined();
    await expect.poll(() => response?.listenerCount("close"), { interval: SWEEP_MS }).toBe(before + 1);
    const stopped = drained?.shutdown();
    release();
    const text = await client.ended;
    expect(text.toLowerCase()).toContain("connection: close");
    expect(text.endsWith("slow-done")).toBe(true);
    expect((await stopped)?.connections).toMatchObject({ closedAfterResponse: 1, forced: 0 });
  });

  it("a response in flight at the signal and not yet swept is handed over: its end is fed, and its connection closed after it", async () => {
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

describe("ServingCounter", () => {
  /** A response as the counter reads it: finished or not, no `Connection: close`. */
  function fakeResponse(): ServerResponse & { writableFinished: boolean } {
    return { writableFinished: false, destroyed: false, shouldKeepAlive: true, getHeader: () => undefined } as unknown as ServerResponse & { writableFinished: boolean };
  }

  /** A socket as the counter reads it: the response Node is writing on it now, and whether it was ended. */
  function fakeSocket(): Socket & { _httpMessage: ServerResponse | null } {
    return { _httpMessage: null, writableEnded: false, destroyed: false } as unknown as Socket & { _httpMessage: ServerResponse | null };
  }

  type Handed = { state: string; inflight: number; last: number };

  /** A counter whose sweeps hand each record's counts to `handed`, at `clock.now`; one connection on one socket. */
  function setup(): { handed: Map<number, Handed>; clock: { now: number }; counter: ServingCounter; connection: Connection; socket: ReturnType<typeof fakeSocket> } {
    const handed = new Map<number, Handed>();
    const clock = { now: 1_000 };
    const track = { serving: true, now: () => clock.now, served: (id: number, { state, inflight, last }: Handed) => void handed.set(id, { state, inflight, last }) };
    const counter = new ServingCounter(() => track as unknown as Tracker, () => undefined);
    return { handed, clock, counter, connection: new ConnectionTable().create({} as Socket, "http1", 1), socket: fakeSocket() };
  }

  /** A request begins whose response Node gave the socket at once (not pipelined). */
  function begin({ counter, connection, socket }: ReturnType<typeof setup>, response = fakeResponse()): ReturnType<typeof fakeResponse> {
    socket._httpMessage = response;
    counter.request(connection, socket, response);
    return response;
  }

  it("holds no response while serving: the sweep finds the end on the socket and times it at the sweep", () => {
    const at = setup();
    const { handed, clock, counter, connection, socket } = at;
    const response = begin(at);
    // Holding responses, even finished ones until the next request, costs every request.
    expect(connection.responses.size).toBe(0);
    expect(connection).toMatchObject({ state: "active", inflight: 1 });
    // Node let go of it when it finished.
    socket._httpMessage = null;
    clock.now = 1_020;
    counter.settle();
    // Its time is the sweep's, never earlier than the end: the keep-alive grace may only run longer.
    expect(handed.get(1)).toEqual({ state: "idle", inflight: 0, last: 1_020 });
  });

  it("follows a response the socket is still writing at the sweep", () => {
    const at = setup();
    const { handed, clock, counter, connection, socket } = at;
    const response = begin(at);
    counter.settle();
    expect(connection.responses.oldest()).toBe(response);
    expect(handed.get(1)).toMatchObject({ state: "active", inflight: 1 });
    response.writableFinished = true;
    socket._httpMessage = null;
    clock.now = 1_020;
    counter.settle();
    expect(handed.get(1)).toEqual({ state: "idle", inflight: 0, last: 1_020 });
    expect(connection.responses.size).toBe(0);
  });

  it("goes back to counting only once a response it held has ended", () => {
    const at = setup();
    const { counter, connection } = at;
    const first = begin(at);
    counter.settle();
    expect(connection.responses.size).toBe(1);
    first.writableFinished = true;
    begin(at);
    expect(connection.responses.size).toBe(0);
    expect(connection).toMatchObject({ state: "active", inflight: 1 });
  });

  it("counts an end after which Node ended the socket (`Connection: close`) as closing", () => {
    const at = setup();
    const { handed, counter, socket } = at;
    begin(at);
    socket._httpMessage = null;
    (socket as { writableEnded: boolean }).writableEnded = true;
    counter.settle();
    expect(handed.get(1)).toEqual({ state: "closing", inflight: 0, last: 1_000 });
  });

  it("counts a finished `Connection: close` response the socket still names (Node 20, in the tick it finished) as closing", () => {
    const at = setup();
    const { handed, counter } = at;
    const response = begin(at, Object.assign(fakeResponse(), { shouldKeepAlive: false }));
    response.writableFinished = true;
    counter.settle();
    expect(handed.get(1)).toEqual({ state: "closing", inflight: 0, last: 1_000 });
  });

  it("holds a pipelined request's response, and takes the one it waits for from the socket", () => {
    const at = setup();
    const { handed, clock, counter, connection, socket } = at;
    const first = begin(at);
    const second = fakeResponse();
    // Node queues the second: the socket is still writing the first.
    counter.request(connection, socket, second);
    expect([...connection.responses]).toEqual([first, second]);
    expect(connection).toMatchObject({ state: "active", inflight: 2 });
    first.writableFinished = true;
    socket._httpMessage = second;
    counter.settle();
    expect(handed.get(1)).toMatchObject({ state: "active", inflight: 1 });
    second.writableFinished = true;
    socket._httpMessage = null;
    clock.now = 1_020;
    counter.settle();
    expect(handed.get(1)).toEqual({ state: "idle", inflight: 0, last: 1_020 });
    expect(connection.responses.size).toBe(0);
  });
});
