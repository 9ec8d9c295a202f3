import { once } from "node:events";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { drain } from "./drain.ts";
import { QUIET } from "./testing/net.ts";
import type { NodeDrain } from "./types.ts";

const TOKEN = "node-listener-token-0123456789";
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A drained server with a control socket, listening. */
async function controlled(): Promise<{ drained: NodeDrain; path: string }> {
  const dir = mkdtempSync(join(tmpdir(), "drain-node-ctl-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, "c.sock");
  const server = createServer((_req, res) => res.end("ok"));
  const drained = drain(server, { ...QUIET, control: { socket: path, token: TOKEN, rateLimit: { burst: 10_000, perSecond: 10_000 } } });
  cleanups.push(() => drained.dispose());
  cleanups.push(() => server.close());
  await new Promise<void>((resolve) => drained.on("control", () => resolve()));
  return { drained, path };
}

/** Write raw bytes, half-close, and collect whatever comes back until the server closes the connection. */
async function raw(path: string, bytes: Uint8Array): Promise<string> {
  const socket = connect(path);
  await once(socket, "connect");
  let answer = "";
  socket.setEncoding("latin1");
  socket.on("data", (chunk: string) => (answer += chunk));
  socket.on("error", () => undefined);
  socket.end(bytes);
  const timer = setTimeout(() => socket.destroy(new Error("the server neither answered nor closed within 5 s")), 5_000);
  await once(socket, "close");
  clearTimeout(timer);
  return answer;
}

const token = fc.constantFrom("GET", "POST", "PUT", "DELETE", "OPTIONS", "BREW", "", "G\0T", "POST /shutdown");
const path = fc.oneof(fc.constantFrom("/status", "/metrics", "/shutdown", "*", "http://evil/shutdown", "/shutdown?mode=immediate", ""), fc.webPath());
const header = fc.oneof(
  fc.constantFrom("Host: localhost", "Content-Type: application/json", "Transfer-Encoding: chunked", "Content-Length: 5", "Content-Length: -1", "Content-Length: 99999999", "Expect: 100-continue", "Connection: keep-alive", `Authorization: Bearer ${TOKEN.slice(1)}`, "Authorization: Basic eDp5", "Origin: http://evil"),
  fc.string({ maxLength: 40 }).map((s) => `X-${s}`),
);
const body = fc.oneof(fc.constant(""), fc.string({ maxLength: 300 }), fc.json(), fc.constant('{"mode":"immediate"}'), fc.integer({ min: 4_000, max: 12_000 }).map((n) => "x".repeat(n)));
const request = fc.oneof(
  { arbitrary: fc.tuple(token, path, fc.constantFrom("HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/9", ""), fc.array(header, { maxLength: 5 }), body).map(([m, p, v, h, b]) => Buffer.from(`${m} ${p} ${v}\r\n${h.join("\r\n")}\r\n\r\n${b}`, "latin1")), weight: 4 },
  { arbitrary: fc.uint8Array({ maxLength: 600 }).map((bytes) => Buffer.from(bytes)), weight: 1 },
);

describe("the Node control listener", () => {
  it("creates the socket with mode 0600 and removes it when the drain is disposed", async () => {
    const { drained, path } = await controlled();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    drained.dispose();
    expect(() => statSync(path)).toThrow(/ENOENT/);
  });

  it("fuzzed raw bytes on the real socket never crash it and never start a shutdown", async () => {
    const { drained, path } = await controlled();
    await fc.assert(
      fc.asyncProperty(request, async (bytes) => {
        await raw(path, bytes);
        expect(drained.phase).toBe("serving");
      }),
      { numRuns: 150 },
    );
    // Still answering after all that.
    const status = await raw(path, Buffer.from(`GET /status HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`));
    expect(status).toMatch(/^HTTP\/1\.1 200 /);
    expect(status).toContain('"phase":"serving"');
  }, 60_000);
});
