import { once } from "node:events";
import { createServer, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { drain } from "./drain.ts";
import type { NodeDrain } from "./types.ts";
import { get, listen, QUIET, rawClient, responses, type RawClient } from "./testing/net.ts";

let server: Server | undefined;
let drained: NodeDrain | undefined;

afterEach(() => {
  drained?.dispose();
  server?.closeAllConnections();
  server?.close();
  server = undefined;
  drained = undefined;
});

/**
 * A server with `/` (synchronous), `/slow` (answers on demand) and `/stream` (head sent, body pending);
 * `handled()` counts the requests that reached it.
 */
function start(options: Parameters<typeof drain>[1] = {}): { server: Server; drained: NodeDrain; release: () => void; handled: () => number } {
  const pending: (() => void)[] = [];
  let handled = 0;
  server = createServer((req, res) => {
    handled++;
    if (req.url === "/slow") pending.push(() => res.end("slow-done"));
    else if (req.url === "/stream") {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("head-sent;");
      pending.push(() => res.end("stream-done"));
    } else res.end("ok");
  });
  drained = drain(server, { ...QUIET, ...options });
  return { server, drained, release: () => pending.splice(0).forEach((answer) => answer()), handled: () => handled };
}

/** Listen, then one raw keep-alive connection that has had one `/` answered (idle once its response ended). */
async function answeredOnce(server: Server): Promise<RawClient> {
  const client = await rawClient(await listen(server));
  client.send(get("/"));
  await client.waitFor((text) => text.endsWith("ok"));
  return client;
}

/** `start(options)`, then one `/slow` request in flight on a raw connection. */
async function withSlowRequestInFlight(options: Parameters<typeof drain>[1] = {}): Promise<ReturnType<typeof start> & { client: RawClient }> {
  const started = start(options);
  const client = await rawClient(await listen(started.server));
  client.send(get("/slow"));
  await expect.poll(() => started.drained.counts().requests).toBe(1);
  return { ...started, client };
}

/** Two complete `/slow` responses; only the second says `Connection: close` (on the first, Node would drop the second). */
function expectBothAnsweredOnlyLastCloses(text: string): void {
  expect(responses(text)).toBe(2);
  const [first, second] = text.split(/(?=HTTP\/1\.1 )/);
  expect(first?.toLowerCase()).not.toContain("connection: close");
  expect(first?.endsWith("slow-done")).toBe(true);
  expect(second?.toLowerCase()).toContain("connection: close");
  expect(second?.endsWith("slow-done")).toBe(true);
}

describe("HTTP/1.1 tracking", () => {
  it("closes a preconnected socket that never sent a byte when the drain starts", async () => {
    const { server, drained } = start();
    const port = await listen(server);
    const accepted = once(server, "connection");
    const pre = await rawClient(port);
    await accepted;
    expect(drained.counts().neverUsed).toBe(1);

    const report = await drained.shutdown();
    expect(await pre.ended).toBe("");
    expect(report.connections.closedNeverUsed).toBe(1);
    expect(report.clean).toBe(true);
  });

  it("adds Connection: close to a synchronous handler's response during notify, then the socket closes", async () => {
    const { server, drained } = start({ notifyMs: 300, timeoutMs: 5_000 });
    const port = await listen(server);
    const stopped = drained.shutdown();
    expect(drained.phase).toBe("notify");

    const client = await rawClient(port);
    client.send(get("/"));
    const text = await client.ended;
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(text.toLowerCase()).toContain("connection: close");
    expect(text.endsWith("ok")).toBe(true);
    expect((await stopped).requestsDuringShutdown).toBe(1);
  });

  it("lets an in-flight response finish with Connection: close and closes its socket after it", async () => {
    const { drained, release, client } = await withSlowRequestInFlight();

    const stopped = drained.shutdown();
    expect(client.text()).toBe("");
    release();
    const text = await client.ended;
    expect(text.toLowerCase()).toContain("connection: close");
    expect(text.endsWith("slow-done")).toBe(true);
    const report = await stopped;
    expect(report.clean).toBe(true);
    expect(report.connections.forced).toBe(0);
  });

  it("answers every pipelined request in flight at the drain: only the last response carries Connection: close", async () => {
    const { server, drained, release } = start();
    const port = await listen(server);
    const client = await rawClient(port);
    client.send(get("/slow") + get("/slow"));
    await expect.poll(() => drained.counts().requests).toBe(2);

    const stopped = drained.shutdown();
    release();
    expectBothAnsweredOnlyLastCloses(await client.ended);
    expect((await stopped).clean).toBe(true);
  });

  it("moves Connection: close to a request pipelined after the drain began", async () => {
    const { drained, release, client, handled } = await withSlowRequestInFlight();

    const stopped = drained.shutdown();
    client.send(get("/slow"));
    await expect.poll(() => drained.counts().requests).toBe(2);
    // It reaches the handler once the listener has closed (`stopAcceptingWhenQuiet` in binding.ts).
    await expect.poll(handled).toBe(2);
    release();
    expectBothAnsweredOnlyLastCloses(await client.ended);
    expect((await stopped).clean).toBe(true);
  });

  it("closes a connection whose head left before the drain once its response ends", async () => {
    const { server, drained, release } = start({ keepAliveGraceMs: 0 });
    const port = await listen(server);
    const client = await rawClient(port);
    client.send(get("/stream"));
    await client.waitFor((text) => text.includes("head-sent;"));

    const stopped = drained.shutdown();
    release();
    const text = await client.ended;
    expect(text.toLowerCase()).toContain("connection: keep-alive");
    expect(text).toContain("stream-done");
    expect((await stopped).clean).toBe(true);
  });

  it("closes an idle keep-alive socket at once when its grace has passed", async () => {
    const { server, drained } = start({ keepAliveGraceMs: 0 });
    const client = await answeredOnce(server);
    await expect.poll(() => drained.counts().idle).toBe(1);

    const report = await drained.shutdown();
    await client.ended;
    expect(report.connections.closedIdle).toBe(1);
  });

  it("lets a request that arrives before the listener has closed reach the app only after it closed", async () => {
    const { server, drained } = start({ keepAliveGraceMs: 2_000 });
    const client = await answeredOnce(server);
    const order: string[] = [];
    server.prependListener("request", () => order.push("request"));
    drained.on("listener-closed", () => order.push("listener-closed"));

    const stopped = drained.shutdown();
    client.send(get("/"));
    await expect.poll(() => drained.counts().requests).toBe(1);
    // Counted, not answered: its client is waiting, not reconnecting, while the listener closes.
    expect(order).toEqual([]);
    const text = await client.ended;
    expect(order).toEqual(["listener-closed", "request"]);
    expect(responses(text)).toBe(2);
    expect(text.toLowerCase()).toContain("connection: close");
    expect((await stopped).clean).toBe(true);
  });

  it("answers a request that arrives on an idle socket inside its grace with Connection: close", async () => {
    const { server, drained } = start({ keepAliveGraceMs: 2_000 });
    const client = await answeredOnce(server);
    await expect.poll(() => drained.counts().idle).toBe(1);

    const stopped = drained.shutdown();
    client.send(get("/"));
    const text = await client.ended;
    const second = text.slice(text.lastIndexOf("HTTP/1.1 "));
    expect(second.toLowerCase()).toContain("connection: close");
    expect(second.endsWith("ok")).toBe(true);
    expect((await stopped).clean).toBe(true);
  });

  it("adopts sockets accepted before drain() was attached at their first request", async () => {
    server = createServer((_req, res) => res.end("ok"));
    const port = await listen(server);
    const client = await rawClient(port);
    await new Promise((resolve) => setImmediate(resolve));
    drained = drain(server, { ...QUIET, keepAliveGraceMs: 0 });
    client.send(get("/"));
    await client.waitFor((text) => text.endsWith("ok"));
    await expect.poll(() => drained?.counts().idle).toBe(1);
    // One accepted after drain() was attached takes the path of any socket accepted while serving.
    const later = await rawClient(port);
    later.send(get("/"));
    await later.waitFor((text) => text.endsWith("ok"));
    await expect.poll(() => drained?.counts().idle).toBe(2);

    await drained.shutdown();
    await client.ended;
    await later.ended;
  });

  it("destroys a request that never answers at the deadline and reports it forced", async () => {
    const { drained, client } = await withSlowRequestInFlight({ timeoutMs: 300, cleanupMs: 0 });

    const report = await drained.shutdown();
    expect(await client.ended).toBe("");
    expect(report.clean).toBe(false);
    expect(report.connections.forced).toBe(1);
  });

  it("stops accepting: a connection attempt after the drain starts is refused", async () => {
    const { server, drained } = start();
    const port = await listen(server);
    await drained.shutdown();
    await expect(rawClient(port)).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });
});
