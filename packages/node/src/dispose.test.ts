import type { EventEmitter } from "node:events";
import { once } from "node:events";
import { createServer as createHttpServer, type Server } from "node:http";
import { createSecureServer } from "node:http2";
import type { Socket } from "node:net";
import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { drain } from "./drain.ts";
import { drainListens, get, listen, QUIET, rawClient, TLS } from "./testing/net.ts";

const servers: { close(): unknown }[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** Every event name with its listener count. */
function listenerCounts(emitter: EventEmitter): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of emitter.eventNames()) counts[String(name)] = emitter.listenerCount(name);
  return counts;
}

describe("dispose()", () => {
  it("takes off every listener it added: server, sockets, responses, ws server, process, and the emit wrapper", async () => {
    const server: Server = createHttpServer((_req, res) => res.end("ok"));
    servers.push(server);
    const wss = new WebSocketServer({ server });
    servers.push(wss);
    const serverBefore = listenerCounts(server);
    const wssBefore = listenerCounts(wss);
    const processBefore = listenerCounts(process);

    const drained = drain(server, { ...QUIET, signals: ["SIGTERM", "SIGINT"], websockets: wss });
    expect(Object.prototype.hasOwnProperty.call(server, "emit")).toBe(true);
    expect(listenerCounts(process)).not.toEqual(processBefore);
    let serverSocket: Socket | undefined;
    server.on("connection", (socket: Socket) => {
      serverSocket = socket;
    });
    const port = await listen(server);
    const client = await rawClient(port);
    client.send(get("/"));
    await client.waitFor((text) => text.endsWith("ok"));
    // Accepted while serving, the socket waits unrecorded until it lives past a look; counts() records it.
    expect(drainListens(serverSocket as Socket)).toBe(false);
    const keysBefore = Reflect.ownKeys(serverSocket as Socket);
    expect(drained.counts()).toMatchObject({ idle: 1 });
    const socketDuring = listenerCounts(serverSocket as Socket);
    // Recorded, the socket gets drain's listener and nothing else: no property (its hidden class stays the one
    // Node's code sees on every socket, see `ConnectionTable`), so an app that logs it sees nothing of drain's either.
    expect(drainListens(serverSocket as Socket)).toBe(true);
    expect(Reflect.ownKeys(serverSocket as Socket)).toEqual(keysBefore);
    expect(inspect(serverSocket)).not.toContain("kind: 'http1'");

    drained.dispose();
    // A socket that outlives the drain finds no record any more (and keeps nothing the record holds alive).
    expect(drainListens(serverSocket as Socket)).toBe(false);
    expect(listenerCounts(server)).toEqual({ ...serverBefore, connection: (serverBefore["connection"] ?? 0) + 1 });
    expect(listenerCounts(wss)).toEqual(wssBefore);
    expect(listenerCounts(process)).toEqual(processBefore);
    // The adapter's one listener on the socket ('close') is gone; Node's own are untouched.
    expect(listenerCounts(serverSocket as Socket)).toEqual({ ...socketDuring, close: (socketDuring["close"] ?? 0) - 1 });
    expect(Object.prototype.hasOwnProperty.call(server, "emit")).toBe(false);
    client.socket.destroy();
    server.closeAllConnections();
  });

  it("does the same for an HTTP/2 secure server, and the server can be drained again afterwards", async () => {
    const server = createSecureServer({ ...TLS, allowHTTP1: true }, (_req, res) => res.end("ok"));
    servers.push(server);
    const before = listenerCounts(server);
    drain(server, QUIET).dispose();
    expect(listenerCounts(server)).toEqual(before);

    const again = drain(server, QUIET);
    const port = await listen(server);
    const client = await rawClient(port, { tls: true });
    await expect.poll(() => again.counts().neverUsed).toBe(1);
    await again.shutdown();
    await client.ended;
    again.dispose();
  });

  it("stops tracking after dispose: a shutdown is refused and requests are still served", async () => {
    const server = createHttpServer((_req, res) => res.end("ok"));
    servers.push(server);
    const drained = drain(server, QUIET);
    drained.dispose();
    await expect(drained.shutdown()).rejects.toMatchObject({ code: "ERR_DRAIN_DISPOSED" });
    const port = await listen(server);
    const client = await rawClient(port);
    client.send(get("/"));
    await client.waitFor((text) => text.endsWith("ok"));
    client.socket.destroy();
    await once(client.socket, "close");
  });
});
