/**
 * The middleware behind a real `@hono/node-server` drained by `@drain/node`, over real loopback sockets:
 * `Connection: close` reaches HTTP/1.1 clients during the shutdown, and HTTP/2 (where Node drops a
 * `Connection` header with an UnsupportedWarning) is served without one.
 */
import { Agent, request as http1Request } from "node:http";
import { connect, createServer as createH2cServer } from "node:http2";
import type { AddressInfo } from "node:net";
import { drain, type NodeDrain } from "@drain/node";
import { serve, type ServerType } from "@hono/node-server";
import { Hono } from "hono";
import { afterEach, describe, expect, it } from "vitest";
import { drainMiddleware } from "./middleware.ts";
import type { DrainEnv } from "./types.ts";

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

async function start(http2: boolean): Promise<{ d: NodeDrain; port: number }> {
  let d: NodeDrain | undefined;
  const app = new Hono<DrainEnv>();
  app.use(drainMiddleware(() => d));
  app.get("/", (c) => c.text("ok"));
  let listened: (info: AddressInfo) => void = () => {};
  const listening = new Promise<AddressInfo>((resolve) => (listened = resolve));
  const server: ServerType = serve(
    { fetch: app.fetch, hostname: "127.0.0.1", port: 0, ...(http2 ? { createServer: createH2cServer } : {}) },
    (info) => listened(info),
  );
  // A long notify keeps the shutdown in its first phase for the whole test.
  d = drain(server, { exit: false, signals: false, logger: false, notifyMs: 60_000, timeoutMs: 120_000 });
  const drained = d;
  cleanup = async () => {
    void drained.shutdown({ mode: "immediate" });
    await drained.stopped;
  };
  return { d, port: (await listening).port };
}

function getHttp1(port: number): Promise<{ status: number; connection: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    // A keep-alive client: without one Node's client asks for Connection: close itself.
    const agent = new Agent({ keepAlive: true });
    const req = http1Request({ host: "127.0.0.1", port, path: "/", agent }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => {
        agent.destroy();
        resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body });
      });
    });
    req.on("error", reject);
    req.end();
  });
}

function getHttp2(port: number): Promise<{ status: number; connection: unknown; body: string }> {
  return new Promise((resolve, reject) => {
    const session = connect(`http://127.0.0.1:${port}`);
    session.on("error", reject);
    const stream = session.request({ ":path": "/" });
    let headers: Record<string, unknown> = {};
    let body = "";
    stream.setEncoding("utf8");
    stream.on("response", (h) => (headers = h));
    stream.on("data", (chunk: string) => (body += chunk));
    stream.on("error", reject);
    stream.on("end", () => {
      session.close();
      resolve({ status: Number(headers[":status"]), connection: headers["connection"], body });
    });
  });
}

describe("drainMiddleware on @hono/node-server with @drain/node", () => {
  it("HTTP/1.1: no Connection: close while serving, Connection: close during the shutdown", async () => {
    const { d, port } = await start(false);
    expect(await getHttp1(port)).toEqual({ status: 200, connection: "keep-alive", body: "ok" });
    void d.shutdown();
    expect(d.phase).toBe("notify");
    expect(await getHttp1(port)).toEqual({ status: 200, connection: "close", body: "ok" });
  });

  it("HTTP/2: served during the shutdown without a Connection header (Node would drop it with a warning)", async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(`${warning.name}: ${warning.message}`);
    process.on("warning", onWarning);
    try {
      const { d, port } = await start(true);
      void d.shutdown();
      expect(d.phase).toBe("notify");
      expect(await getHttp2(port)).toEqual({ status: 200, connection: undefined, body: "ok" });
      // Warnings are emitted on the next tick: one round trip more lets any of ours arrive.
      await getHttp2(port);
      expect(warnings.filter((w) => /connection header/i.test(w))).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
  });
});
