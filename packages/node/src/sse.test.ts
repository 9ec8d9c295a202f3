import { createServer, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { drain } from "./drain.ts";
import type { NodeDrain } from "./types.ts";
import { get, listen, QUIET, rawClient } from "./testing/net.ts";

let server: Server | undefined;
let drained: NodeDrain | undefined;

afterEach(() => {
  drained?.dispose();
  server?.closeAllConnections();
  server?.close();
  server = undefined;
  drained = undefined;
});

function sseServer(options: Parameters<typeof drain>[1] = {}): { server: Server; drained: NodeDrain } {
  server = createServer((req, res) => {
    void drained?.sse(req, res, (stream) => {
      const start = Number(stream.lastEventId ?? 0) + 1;
      stream.send({ id: String(start), data: `tick ${start}` });
    });
  });
  drained = drain(server, { ...QUIET, ...options });
  return { server, drained };
}

describe("sse(req, res, start)", () => {
  it("streams events with Last-Event-ID, then ends with a retry hint on drain and the socket closes", async () => {
    const { server, drained } = sseServer({ sseRetryMs: [700, 700], keepAliveGraceMs: 0 });
    const port = await listen(server);
    const client = await rawClient(port);
    client.send(get("/sse", { "Last-Event-ID": "41" }));
    const head = await client.waitFor((text) => text.includes("data: tick 42"));
    expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(head.toLowerCase()).toContain("content-type: text/event-stream");
    expect(head.toLowerCase()).not.toContain("connection: close");
    expect(drained.counts().sse).toBe(1);

    const report = await drained.shutdown();
    const text = await client.ended;
    expect(text).toContain("retry: 700");
    expect(text.endsWith("0\r\n\r\n")).toBe(true); // the chunked body ended cleanly
    expect(report.sse).toEqual({ ended: 1, forced: 0 });
  });

  it("puts Connection: close in the head of a stream opened during notify", async () => {
    const { server, drained } = sseServer({ notifyMs: 300, timeoutMs: 5_000 });
    const port = await listen(server);
    const stopped = drained.shutdown();
    const client = await rawClient(port);
    client.send(get("/sse"));
    const head = await client.waitFor((text) => text.includes("data: tick 1"));
    expect(head.toLowerCase()).toContain("connection: close");
    await client.ended;
    expect((await stopped).clean).toBe(true);
  });
});
