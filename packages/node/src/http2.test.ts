import { once } from "node:events";
import { connect, createSecureServer, createServer, type ClientHttp2Session, type Http2SecureServer, type Http2Server } from "node:http2";
import { afterEach, describe, expect, it } from "vitest";
import { drain } from "./drain.ts";
import type { NodeDrain } from "./types.ts";
import { get, listen, QUIET, rawClient, TLS } from "./testing/net.ts";

let server: Http2Server | Http2SecureServer | undefined;
let drained: NodeDrain | undefined;
const sessions: ClientHttp2Session[] = [];

afterEach(() => {
  drained?.dispose();
  for (const session of sessions.splice(0)) session.destroy();
  server?.close();
  server = undefined;
  drained = undefined;
});

const pending: (() => void)[] = [];
const handler = (req: { url?: string }, res: { end(body: string): void }): void => {
  if (req.url === "/slow") pending.push(() => res.end("slow-done"));
  else res.end("ok");
};

async function session(url: string): Promise<ClientHttp2Session> {
  const client = connect(url, { rejectUnauthorized: false });
  sessions.push(client);
  client.on("error", () => undefined);
  await once(client, "connect");
  return client;
}

function request(client: ClientHttp2Session, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const stream = client.request({ ":path": path });
    let body = "";
    let status = 0;
    stream.setEncoding("utf8");
    stream.on("response", (headers) => (status = Number(headers[":status"])));
    stream.on("close", () => reject(Object.assign(new Error("stream closed"), { code: "STREAM_CLOSED" })));
    stream.on("data", (chunk: string) => (body += chunk));
    stream.on("end", () => resolve({ status, body }));
    stream.on("error", reject);
  });
}

describe("HTTP/2", () => {
  it("h2c: sends GOAWAY to an idle session and closes it on drain", async () => {
    server = createServer(handler);
    drained = drain(server, QUIET);
    const port = await listen(server);
    const client = await session(`http://127.0.0.1:${port}`);
    expect(await request(client, "/")).toEqual({ status: 200, body: "ok" });
    await expect.poll(() => drained?.counts().requests).toBe(0);

    const goaway = once(client, "goaway");
    const closed = once(client, "close");
    const report = await drained.shutdown();
    const [code] = await goaway;
    expect(code).toBe(0);
    await closed;
    expect(report.clean).toBe(true);
  });

  it("h2c: lets an in-flight stream finish after GOAWAY, then closes the session", async () => {
    server = createServer(handler);
    drained = drain(server, QUIET);
    const port = await listen(server);
    const client = await session(`http://127.0.0.1:${port}`);
    const slow = request(client, "/slow");
    await expect.poll(() => drained?.counts().requests).toBe(1);

    const goaway = once(client, "goaway");
    const stopped = drained.shutdown();
    await goaway;
    pending.splice(0).forEach((answer) => answer());
    expect(await slow).toEqual({ status: 200, body: "slow-done" });
    await once(client, "close");
    expect((await stopped).clean).toBe(true);
  });

  it("h2c: a stream cut at the deadline fails on the client instead of ending like an empty response", async () => {
    server = createServer(handler);
    drained = drain(server, { ...QUIET, timeoutMs: 200, cleanupMs: 0 });
    const port = await listen(server);
    const client = await session(`http://127.0.0.1:${port}`);
    const slow = request(client, "/slow");
    await expect.poll(() => drained?.counts().requests).toBe(1);

    const report = await drained.shutdown();
    await expect(slow).rejects.toMatchObject({ code: "ERR_HTTP2_SESSION_ERROR" });
    expect(report.connections.forced).toBe(1);
    pending.splice(0);
  });

  it("h2 over TLS: closes a session that never opened a stream", async () => {
    server = createSecureServer({ ...TLS, allowHTTP1: true }, handler);
    drained = drain(server, QUIET);
    const port = await listen(server);
    const client = await session(`https://127.0.0.1:${port}`);
    await expect.poll(() => drained?.counts().neverUsed).toBe(1);

    const closed = once(client, "close");
    await drained.shutdown();
    await closed;
  });

  it("h2 over TLS with allowHTTP1: an HTTP/1.1 request is tracked and told Connection: close", async () => {
    server = createSecureServer({ ...TLS, allowHTTP1: true }, handler);
    drained = drain(server, { ...QUIET, notifyMs: 200, timeoutMs: 5_000 });
    const port = await listen(server);
    const client = await rawClient(port, { tls: true });
    await expect.poll(() => drained?.counts().neverUsed).toBe(1);

    const stopped = drained.shutdown();
    client.send(get("/"));
    const text = await client.ended;
    expect(text.toLowerCase()).toContain("connection: close");
    expect(text.endsWith("ok")).toBe(true);
    expect((await stopped).requestsDuringShutdown).toBe(1);
  });
});
