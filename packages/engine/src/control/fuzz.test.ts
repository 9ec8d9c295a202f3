import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createEngine } from "../engine.ts";
import { FakeClock, FakeRuntime, memoryLogger } from "../testing/fake-runtime.ts";
import type { ControlPeer } from "./types.ts";

const TOKEN = "fuzz-token-0123456789abcdef";
const RATE = { burst: 10_000, perSecond: 10_000 };

function engineWithControl(token: string | undefined) {
  const runtime = new FakeRuntime();
  const engine = createEngine(
    // TCP needs a token; without one the endpoint is a (0600) Unix socket.
    { logger: memoryLogger(), exit: false, signals: false, control: token === undefined ? { socket: "/run/test/fuzz.sock", rateLimit: RATE } : { port: 0, token, rateLimit: RATE } },
    runtime,
    new FakeClock(),
  );
  const control = runtime.control;
  if (control === undefined) throw new Error("no control endpoint");
  return { engine, handler: control.handler };
}

const method = fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "SHUTDOWN");
const path = fc.oneof(
  fc.constantFrom("/status", "/metrics", "/shutdown", "/shutdown/", "/SHUTDOWN", "/", "/status?x=1", "/%2e%2e/shutdown", "//shutdown"),
  fc.webPath(),
);
const peer: fc.Arbitrary<ControlPeer> = fc.oneof(
  fc.constant<ControlPeer>({ address: "unix", transport: "unix" }),
  fc.constantFrom("127.0.0.1", "::1", "::ffff:127.0.0.1", "10.0.0.1", "192.168.0.2", "::ffff:8.8.8.8", "", "not-an-ip").map((address): ControlPeer => ({ address, transport: "tcp" })),
);
const wrongAuthorization = fc.oneof(
  fc.constant(undefined),
  fc.string(),
  fc.constant(`Bearer ${TOKEN.slice(0, -1)}`),
  fc.constant(`Bearer ${TOKEN}x`),
  fc.constant(`Basic ${TOKEN}`),
  fc.constant(TOKEN),
  fc.string().map((s) => `Bearer ${s}`),
);
const headerValue = fc.string({ maxLength: 64 }).map((s) => s.replace(/[^\x20-\x7e]/g, ""));
const headers = fc.dictionary(fc.constantFrom("content-type", "content-length", "x-forwarded-for", "origin", "host", "accept", "x-junk"), headerValue, { maxKeys: 4 });
const anyBody = fc.oneof(
  fc.constant(undefined),
  fc.string({ maxLength: 200 }),
  fc.json({ maxDepth: 3 }),
  fc.uint8Array({ maxLength: 200 }),
  fc.integer({ min: 4_000, max: 20_000 }).map((n) => "x".repeat(n)),
);

/** Bodies that are wrong for `POST /shutdown`, each in one known way. */
const invalidShutdownBody = fc.oneof(
  fc.string({ maxLength: 100 }).filter((s) => !parsesToObject(s)),
  fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.anything(), { maxLength: 3 }), fc.string()).map((v) => JSON.stringify(v)),
  fc.record({ mode: fc.string().filter((m) => !["graceful", "lameduck", "immediate"].includes(m)) }).map((v) => JSON.stringify(v)),
  fc.record({ timeoutMs: fc.oneof(fc.integer({ max: -1 }), fc.integer({ min: 3_600_001 }), fc.string(), fc.boolean(), fc.constant(null)) }).map((v) => JSON.stringify(v)),
  fc.record({ reason: fc.oneof(fc.integer(), fc.boolean(), fc.array(fc.string()), fc.constant(null)) }).map((v) => JSON.stringify(v)),
  fc
    .tuple(fc.string({ minLength: 1, maxLength: 20 }).filter((k) => !["mode", "timeoutMs", "reason", "__proto__"].includes(k)), fc.jsonValue())
    .map(([key, value]) => JSON.stringify({ mode: "graceful", [key]: value })),
  fc.integer({ min: 4_097, max: 50_000 }).map((n) => JSON.stringify({ reason: "r".repeat(n) })),
  fc.constant('{"timeoutMs":1e999}'),
  fc.constant('{"timeoutMs":NaN}'),
);

function parsesToObject(text: string): boolean {
  if (text.trim() === "") return true;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === "object";
  } catch {
    return false;
  }
}

function request(m: string, p: string, h: Record<string, string>, body: string | Uint8Array | undefined, authorization: string | undefined): Request {
  const all = new Headers();
  for (const [name, value] of Object.entries(h)) {
    try {
      all.set(name, value);
    } catch {
      // A header value the fetch API itself refuses never reaches a server either.
    }
  }
  if (authorization !== undefined) {
    try {
      all.set("authorization", authorization);
    } catch {
      // As above.
    }
  }
  const withBody = m !== "GET" && m !== "HEAD" && body !== undefined;
  return new Request(`http://127.0.0.1:9${p}`, { method: m, headers: all, ...(withBody ? { body: body as BodyInit } : {}) });
}

const KNOWN_STATUSES = [200, 202, 400, 401, 403, 404, 405, 413, 429, 503];

describe("fuzzing the control endpoint", () => {
  it("random methods, paths, headers, bodies and peers without the token never throw and never start a shutdown", async () => {
    await fc.assert(
      fc.asyncProperty(method, path, headers, anyBody, wrongAuthorization, peer, async (m, p, h, body, authorization, from) => {
        const { engine, handler } = engineWithControl(TOKEN);
        const response = await handler(request(m, p, h, body, authorization), from);
        expect(KNOWN_STATUSES).toContain(response.status);
        expect([200, 202]).not.toContain(response.status);
        await response.text();
        expect(engine.phase).toBe("serving");
      }),
      { numRuns: 400 },
    );
  });

  it("authorized POST /shutdown with a malformed, mistyped or huge body is 400/413 and starts nothing", async () => {
    await fc.assert(
      fc.asyncProperty(invalidShutdownBody, fc.boolean(), async (body, withToken) => {
        const { engine, handler } = engineWithControl(withToken ? TOKEN : undefined);
        const response = await handler(
          request("POST", "/shutdown", {}, body, withToken ? `Bearer ${TOKEN}` : undefined),
          { address: "unix", transport: "unix" },
        );
        expect([400, 413]).toContain(response.status);
        const answer = (await response.json()) as { error: { code: string; message: string } };
        expect(answer.error.message.length).toBeGreaterThan(10);
        expect(engine.phase).toBe("serving");
      }),
      { numRuns: 400 },
    );
  });

  it("any request at all, valid ones included, never makes the handler throw", async () => {
    await fc.assert(
      fc.asyncProperty(method, path, headers, anyBody, fc.option(fc.constant(`Bearer ${TOKEN}`)), peer, async (m, p, h, body, authorization, from) => {
        const { handler } = engineWithControl(TOKEN);
        const response = await handler(request(m, p, h, body, authorization ?? undefined), from);
        expect(KNOWN_STATUSES).toContain(response.status);
        await response.text();
      }),
      { numRuns: 300 },
    );
  });
});
