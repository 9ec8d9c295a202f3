import { once } from "node:events";
import { createServer, type Server } from "node:https";
import { afterEach, describe, expect, it } from "vitest";
import { drain } from "./drain.ts";
import type { NodeDrain } from "./types.ts";
import { get, listen, QUIET, rawClient, TLS } from "./testing/net.ts";

let server: Server | undefined;
let drained: NodeDrain | undefined;

afterEach(() => {
  drained?.dispose();
  server?.closeAllConnections();
  server?.close();
  server = undefined;
  drained = undefined;
});

describe("HTTPS", () => {
  it("closes a connection that finished its TLS handshake but never sent a request", async () => {
    server = createServer(TLS, (_req, res) => res.end("ok"));
    drained = drain(server, QUIET);
    const port = await listen(server);
    const secured = once(server, "secureConnection");
    const pre = await rawClient(port, { tls: true });
    await secured;
    expect(drained.counts().neverUsed).toBe(1);

    const report = await drained.shutdown();
    await pre.ended;
    expect(report.connections.closedNeverUsed).toBe(1);
  });

  it("closes a TCP connection that never started its TLS handshake", async () => {
    server = createServer(TLS, (_req, res) => res.end("ok"));
    drained = drain(server, QUIET);
    const port = await listen(server);
    const accepted = once(server, "connection");
    const bare = await rawClient(port);
    await accepted;

    await drained.shutdown();
    expect(await bare.ended).toBe("");
  });

  it("maps the request's TLS socket to its connection: Connection: close during notify", async () => {
    server = createServer(TLS, (_req, res) => res.end("ok"));
    drained = drain(server, { ...QUIET, notifyMs: 200, timeoutMs: 5_000 });
    const port = await listen(server);
    const client = await rawClient(port, { tls: true });
    client.send(get("/"));
    await client.waitFor((text) => text.endsWith("ok"));
    await expect.poll(() => drained?.counts().idle).toBe(1);

    const stopped = drained.shutdown();
    client.send(get("/"));
    const text = await client.ended;
    expect(text.slice(text.lastIndexOf("HTTP/1.1 ")).toLowerCase()).toContain("connection: close");
    const report = await stopped;
    expect(report.clean).toBe(true);
    expect(drained.counts()).toMatchObject({ idle: 0, active: 0, neverUsed: 0 });
  });
});
