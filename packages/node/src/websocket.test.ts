import { once } from "node:events";
import { createServer, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { drain } from "./drain.ts";
import type { NodeDrain } from "./types.ts";
import { get, listen, QUIET, rawClient } from "./testing/net.ts";

let server: Server | undefined;
let wss: WebSocketServer | undefined;
let drained: NodeDrain | undefined;
const clients: WebSocket[] = [];

afterEach(() => {
  drained?.dispose();
  for (const client of clients.splice(0)) client.terminate();
  wss?.close();
  server?.closeAllConnections();
  server?.close();
  server = undefined;
  wss = undefined;
  drained = undefined;
});

function echoServer(options: Parameters<typeof drain>[1] = {}): { server: Server; wss: WebSocketServer; drained: NodeDrain } {
  server = createServer((_req, res) => res.end("plain-handler"));
  wss = new WebSocketServer({ server, path: "/ws" });
  wss.on("connection", (socket) => socket.on("message", (data) => socket.send(data)));
  drained = drain(server, { ...QUIET, ...options, websockets: wss });
  return { server, wss, drained };
}

async function openClient(port: number): Promise<WebSocket> {
  const client = new WebSocket(`ws://127.0.0.1:${port}/ws`);
  clients.push(client);
  await once(client, "open");
  return client;
}

describe("upgrades and WebSockets", () => {
  it("does not swallow an Upgrade request when the app has no upgrade listener", async () => {
    server = createServer((_req, res) => res.end("plain-handler"));
    drained = drain(server, QUIET);
    const port = await listen(server);
    const client = await rawClient(port);
    client.send(get("/", { Connection: "Upgrade", Upgrade: "websocket" }));
    const text = await client.waitFor((received) => received.endsWith("plain-handler"));
    expect(text).toMatch(/^HTTP\/1\.1 200 OK/);
  });

  it("keeps serving WebSockets and plain requests side by side, and counts the upgraded socket", async () => {
    const { server, drained } = echoServer();
    const port = await listen(server);
    const client = await openClient(port);
    client.send("hello");
    const [echo] = await once(client, "message");
    expect(String(echo)).toBe("hello");
    expect(drained.counts()).toMatchObject({ upgraded: 1, websockets: 1 });

    const plain = await rawClient(port);
    plain.send(get("/"));
    await plain.waitFor((text) => text.endsWith("plain-handler"));
  });

  it("closes every WebSocket of the `websockets` server with 1001 on drain", async () => {
    const { server, drained } = echoServer();
    const port = await listen(server);
    const client = await openClient(port);
    const closed = once(client, "close");

    const report = await drained.shutdown();
    const [code] = await closed;
    expect(code).toBe(1001);
    expect(report.websockets).toEqual({ closed: 1, cutAfterCloseTimeout: 0, forced: 0 });
    expect(report.clean).toBe(true);
  });

  it("terminates a WebSocket whose peer never answers the close at wsCloseTimeoutMs", async () => {
    const { server, drained } = echoServer({ wsCloseTimeoutMs: 200 });
    const port = await listen(server);
    // A hand-made WebSocket client that completes the handshake and then ignores every frame.
    const mute = await rawClient(port);
    mute.send(get("/ws", {
      Connection: "Upgrade",
      Upgrade: "websocket",
      "Sec-WebSocket-Version": "13",
      "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    }));
    await mute.waitFor((text) => text.startsWith("HTTP/1.1 101"));
    await expect.poll(() => drained.counts().websockets).toBe(1);

    const started = performance.now();
    const report = await drained.shutdown();
    await mute.ended;
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    // The protocol's normal path (RFC 6455 §7.1.1), counted apart from forced: the shutdown stays clean.
    expect(report.websockets).toEqual({ closed: 1, cutAfterCloseTimeout: 1, forced: 0 });
    expect(report.clean).toBe(true);
  });

  it("registers a single socket through websocket(ws, req)", async () => {
    server = createServer();
    const noServer = new WebSocketServer({ noServer: true });
    server.on("upgrade", (req, socket, head) => {
      noServer.handleUpgrade(req, socket, head, (ws) => drained?.websocket(ws, req));
    });
    drained = drain(server, QUIET);
    const port = await listen(server);
    const client = await openClient(port);
    await expect.poll(() => drained?.counts().websockets).toBe(1);
    const closed = once(client, "close");
    await drained.shutdown();
    expect((await closed)[0]).toBe(1001);
    noServer.close();
  });
});
