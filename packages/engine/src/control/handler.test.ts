import { describe, expect, it } from "vitest";
import { createEngine } from "../engine.ts";
import { FakeClock, FakeRuntime, memoryLogger, settle } from "../testing/fake-runtime.ts";
import type { DrainOptions } from "../types.ts";
import type { ControlAudit, ControlPeer } from "./types.ts";

const TOKEN = "0123456789abcdef0123456789abcdef";
const UNIX: ControlPeer = { address: "unix", transport: "unix" };
const LOOPBACK: ControlPeer = { address: "127.0.0.1", transport: "tcp" };

function setup(options: DrainOptions = {}) {
  const clock = new FakeClock();
  const runtime = new FakeRuntime();
  const engine = createEngine({ logger: memoryLogger(), control: { socket: "/run/test/drain.sock" }, ...options }, runtime, clock);
  const audits: ControlAudit[] = [];
  engine.on("audit", (event) => audits.push(event));
  const control = runtime.control;
  if (control === undefined) throw new Error("the engine did not start the control endpoint");
  const call = (path: string, init: RequestInit = {}, peer: ControlPeer = UNIX): Promise<Response> =>
    control.handler(new Request(`http://localhost${path}`, init), peer);
  return { clock, runtime, engine, audits, call, control };
}

/** Every NDJSON line of a finished body. */
async function lines(response: Response): Promise<Record<string, unknown>[]> {
  const body = await response.text();
  return body
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("GET /status and GET /metrics", () => {
  it("status tells phase, counts, pid and runtime; msToDeadline is null while serving", async () => {
    const { call, engine } = setup();
    engine.track.open("http1");
    const response = await call("/status");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toEqual({ pid: process.pid, runtime: "fake", phase: "serving", ready: true, counts: engine.counts(), msToDeadline: null, msToBudgetEnd: null, notify: null });
  });

  it("status shows the time left once shutting down", async () => {
    const { call, engine, clock } = setup({ timeoutMs: 10_000 });
    const id = engine.track.open("http1");
    engine.track.request(id);
    void engine.shutdown();
    clock.advance(1_000);
    const body = (await (await call("/status")).json()) as { phase: string; msToDeadline: number };
    expect(body).toMatchObject({ phase: "drain", msToDeadline: 9_000 });
  });

  it("msToBudgetEnd counts to the end of the whole budget, past the force deadline by the time reserved for hooks", async () => {
    const { call, engine, clock } = setup({ timeoutMs: 20_000, cleanupMs: 8_000, exit: false });
    engine.onShutdown("flush", () => new Promise(() => {}), { timeoutMs: 8_000 });
    const id = engine.track.open("http1");
    engine.track.request(id);
    const response = await call("/shutdown", { method: "POST" });
    clock.advance(1_000);
    const status = (await (await call("/status")).json()) as Record<string, unknown>;
    expect(status).toMatchObject({ phase: "drain", msToDeadline: 11_000, msToBudgetEnd: 19_000 });
    engine.track.responseEnd(id, true);
    engine.track.closed(id);
    expect(engine.phase).toBe("cleanup");
    const inCleanup = (await (await call("/status")).json()) as Record<string, unknown>;
    expect(inCleanup).toMatchObject({ phase: "cleanup", msToDeadline: null, msToBudgetEnd: 19_000 });
    clock.advance(8_000);
    const stream = await lines(response);
    expect(stream[0]).toMatchObject({ type: "accepted", msToDeadline: 12_000, msToBudgetEnd: 20_000 });
    const cleanupLine = stream.find((line) => line["type"] === "progress" && line["phase"] === "cleanup");
    expect(cleanupLine).toMatchObject({ msToDeadline: null, msToBudgetEnd: 19_000 });
    expect(stream.find((line) => line["type"] === "progress" && line["phase"] === "stopped")).toMatchObject({ msToBudgetEnd: null });
    expect((await (await call("/status")).json()) as Record<string, unknown>).toMatchObject({ phase: "stopped", msToBudgetEnd: null });
  });

  it("metrics are Prometheus text: one phase line per phase, connections by kind, totals, and durations after the report", async () => {
    const { call, engine } = setup({ exit: false });
    const idle = engine.track.open("http1");
    engine.track.request(idle);
    engine.track.responseEnd(idle, false);
    let response = await call("/metrics");
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    let text = await response.text();
    expect(text).toContain('drain_phase{phase="serving"} 1');
    expect(text).toContain('drain_phase{phase="drain"} 0');
    expect(text).toContain('drain_connections{kind="idle"} 1');
    expect(text).toContain("drain_requests_served_during_drain_total 0");
    expect(text).toContain("drain_forced_closes_total 0");
    expect(text).not.toContain("drain_phase_duration_seconds");
    await engine.shutdown({ mode: "immediate" });
    response = await call("/metrics");
    text = await response.text();
    expect(text).toContain('drain_phase{phase="stopped"} 1');
    expect(text).toMatch(/drain_phase_duration_seconds\{phase="force"\} \d/);
    expect(text).toContain("drain_forced_closes_total 1");
  });
});

describe("POST /shutdown", () => {
  it("streams accepted, a progress line per phase and tick, then the report, and only then ends", async () => {
    const { call, engine, clock, audits } = setup({ timeoutMs: 10_000, progressEveryMs: 1_000, exit: false });
    const id = engine.track.open("http1");
    engine.track.request(id);
    const response = await call("/shutdown", { method: "POST", body: JSON.stringify({ mode: "graceful", reason: "deploy", timeoutMs: 5_000 }) });
    expect(response.status).toBe(202);
    expect(response.headers.get("content-type")).toBe("application/x-ndjson");
    expect(engine.phase).toBe("drain");
    const reader = response.body?.getReader();
    if (reader === undefined) throw new Error("no body");
    const first = JSON.parse(new TextDecoder().decode((await reader.read()).value).trim()) as Record<string, unknown>;
    expect(first).toMatchObject({ type: "accepted", pid: process.pid, mode: "graceful", phase: "drain", msToDeadline: 5_000 });
    expect(first).not.toHaveProperty("joined");
    clock.advance(1_000);
    engine.track.responseEnd(id, true);
    engine.track.closed(id);
    let rest = "";
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += new TextDecoder().decode(chunk.value);
    const parsed = rest.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed.filter((line) => line["type"] === "progress").map((line) => line["phase"])).toEqual(["drain", "drain", "cleanup", "stopped"]);
    expect(parsed.find((line) => line["type"] === "progress" && line["msToDeadline"] === 4_000)).toBeDefined();
    const last = parsed[parsed.length - 1];
    expect(last).toMatchObject({ type: "report", pid: process.pid, report: { mode: "graceful", reason: "deploy", clean: true } });
    expect(audits).toContainEqual({ peer: UNIX, action: "shutdown", result: "accepted", status: 202 });
  });

  it("timeoutMs sets this shutdown's deadline from now", async () => {
    const { call, engine, clock } = setup({ timeoutMs: 25_000, exit: false });
    const id = engine.track.open("http1");
    engine.track.request(id);
    const response = await call("/shutdown", { method: "POST", body: '{"timeoutMs":2000}' });
    clock.advance(2_000);
    const report = (await lines(response)).pop();
    expect(report).toMatchObject({ type: "report", report: { clean: false, connections: { forced: 1 } } });
    expect((report?.["report"] as { durationMs: number }).durationMs).toBe(2_000);
  });

  it("a second request joins the running shutdown; a joining immediate escalates it", async () => {
    const { call, engine, audits } = setup({ exit: false });
    const id = engine.track.open("http1");
    engine.track.request(id);
    const first = await call("/shutdown", { method: "POST" });
    const joined = await call("/shutdown", { method: "POST", body: '{"mode":"lameduck"}' });
    expect(engine.phase).toBe("drain");
    const escalating = await call("/shutdown", { method: "POST", body: '{"mode":"immediate"}' });
    expect(engine.phase).toBe("stopped");
    const [a, b, c] = await Promise.all([lines(first), lines(joined), lines(escalating)]);
    expect(b[0]).toMatchObject({ type: "accepted", joined: true, mode: "graceful", phase: "drain" });
    expect(c[0]).toMatchObject({ type: "accepted", joined: true, mode: "immediate", phase: "stopped" });
    for (const stream of [a, b, c]) expect(stream[stream.length - 1]).toMatchObject({ type: "report", report: { escalated: true, mode: "immediate" } });
    expect(audits.map((event) => event.result)).toEqual(["accepted", "joined", "escalated"]);
  });

  it("after the report, a request gets accepted (joined) and the report at once", async () => {
    const { call, engine } = setup({ exit: false });
    await engine.shutdown();
    const stream = await lines(await call("/shutdown", { method: "POST" }));
    expect(stream.map((line) => line["type"])).toEqual(["accepted", "report"]);
    expect(stream[0]).toMatchObject({ joined: true, phase: "stopped" });
  });

  it("the control listener is closed after the report line was written, and before the exit", async () => {
    const { call, runtime, control, engine } = setup();
    engine.on("report", () => runtime.order.push(`report (control closed ${control.closed} times)`));
    const response = await call("/shutdown", { method: "POST" });
    const reader = response.body?.getReader();
    if (reader === undefined) throw new Error("no body");
    let body = "";
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) body += new TextDecoder().decode(chunk.value);
    expect(body.trim().split("\n").pop()).toMatch(/^\{"type":"report"/);
    await engine.stopped;
    await settle();
    expect(runtime.order).toEqual(["report (control closed 0 times)", "finish", "control-closed", "exit"]);
  });

  it("a client that goes away stops its lines, never the shutdown", async () => {
    const { call, engine } = setup({ exit: false });
    const id = engine.track.open("http1");
    engine.track.request(id);
    const response = await call("/shutdown", { method: "POST" });
    await response.body?.cancel();
    expect(engine.phase).toBe("drain");
    engine.track.responseEnd(id, true);
    engine.track.closed(id);
    await expect(engine.stopped).resolves.toMatchObject({ clean: true });
  });
});

describe("refusals start nothing", () => {
  const bad: [string, RequestInit, number, string][] = [
    ["malformed JSON", { method: "POST", body: "{mode:" }, 400, "not valid JSON"],
    ["an array", { method: "POST", body: "[]" }, 400, "JSON object"],
    ["an unknown field", { method: "POST", body: '{"force":true}' }, 400, 'unknown field "force"'],
    ["an unknown mode", { method: "POST", body: '{"mode":"later"}' }, 400, "mode must be"],
    ["a negative timeout", { method: "POST", body: '{"timeoutMs":-1}' }, 400, "timeoutMs must be"],
    ["an absurd timeout", { method: "POST", body: '{"timeoutMs":3600001}' }, 400, "timeoutMs must be"],
    ["a string timeout", { method: "POST", body: '{"timeoutMs":"5s"}' }, 400, "timeoutMs must be"],
    ["a non-string reason", { method: "POST", body: '{"reason":42}' }, 400, "reason must be"],
    ["a body over 4096 bytes", { method: "POST", body: `{"reason":"${"x".repeat(5_000)}"}` }, 413, "over 4096 bytes"],
    ["invalid UTF-8", { method: "POST", body: new Uint8Array([0x7b, 0xff, 0x7d]) }, 400, "could not be read"],
  ];
  for (const [what, init, status, message] of bad) {
    it(`${what}: ${status} with a message that says what is wrong`, async () => {
      const { call, engine, audits } = setup();
      const response = await call("/shutdown", init);
      expect(response.status).toBe(status);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe(status === 413 ? "ERR_DRAIN_CONTROL_TOO_LARGE" : "ERR_DRAIN_CONTROL_BAD_REQUEST");
      expect(body.error.message).toContain(message);
      expect(engine.phase).toBe("serving");
      expect(audits).toEqual([{ peer: UNIX, action: "shutdown", result: status === 413 ? "too-large" : "bad-request", status }]);
    });
  }

  it("404 for an unknown path, 405 with Allow for a wrong method", async () => {
    const { call, engine } = setup();
    expect((await call("/nope")).status).toBe(404);
    const wrong = await call("/shutdown");
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("POST");
    expect((await call("/status", { method: "DELETE" })).headers.get("allow")).toBe("GET");
    expect(engine.phase).toBe("serving");
  });

  it("401 without the right bearer token; the right one passes", async () => {
    const { call, engine, audits } = setup({ control: { socket: "/run/test/drain.sock", token: TOKEN } });
    const missing = await call("/shutdown", { method: "POST" });
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("ERR_DRAIN_CONTROL_UNAUTHORIZED");
    expect((await call("/status", { headers: { authorization: `Bearer ${TOKEN}x` } })).status).toBe(401);
    expect((await call("/status", { headers: { authorization: TOKEN } })).status).toBe(401);
    expect(engine.phase).toBe("serving");
    expect((await call("/status", { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    expect((await call("/status", { headers: { authorization: `bearer ${TOKEN}` } })).status).toBe(200);
    expect(audits.map((event) => event.result)).toEqual(["unauthorized", "unauthorized", "unauthorized", "ok", "ok"]);
  });

  it("403 for a non-loopback TCP peer, a browser Origin or a rebinding Host", async () => {
    const { call, engine, audits } = setup({ control: { port: 0, token: TOKEN } });
    const authorized = { headers: { authorization: `Bearer ${TOKEN}` } };
    expect((await call("/status", {}, { address: "10.0.0.7", transport: "tcp" })).status).toBe(403);
    expect((await call("/status", {}, { address: "::ffff:192.168.1.2", transport: "tcp" })).status).toBe(403);
    expect((await call("/shutdown", { method: "POST", headers: { origin: "https://evil.example" } }, LOOPBACK)).status).toBe(403);
    const rebound = await (await import("./handler.ts")).createControlHandler(
      { endpoint: { transport: "tcp", host: "127.0.0.1", port: 1 }, token: undefined, rateLimit: { burst: 5, perSecond: 1 } },
      fakeSourceFor(engine),
    )(new Request("http://evil.example:9090/status"), LOOPBACK);
    expect(rebound.status).toBe(403);
    expect((await call("/status", authorized, { address: "127.0.0.1", transport: "tcp" })).status).toBe(200);
    expect((await call("/status", authorized, { address: "::ffff:127.0.0.1", transport: "tcp" })).status).toBe(200);
    expect((await call("/status", authorized, { address: "::1", transport: "tcp" })).status).toBe(200);
    expect(engine.phase).toBe("serving");
    expect(audits.slice(0, 3).map((event) => event.result)).toEqual(["forbidden", "forbidden", "forbidden"]);
  });

  it("429 with Retry-After past the burst; tokens come back with time", async () => {
    const { call, clock } = setup({ control: { socket: "/run/test/drain.sock", rateLimit: { burst: 3, perSecond: 1 } } });
    for (let i = 0; i < 3; i++) expect((await call("/status")).status).toBe(200);
    const limited = await call("/status");
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("1");
    clock.advance(1_000);
    expect((await call("/status")).status).toBe(200);
    expect((await call("/status")).status).toBe(429);
  });

  it("a flood without the token cannot lock out an authenticated stop", async () => {
    const { call, engine, audits } = setup({ exit: false, control: { socket: "/run/test/drain.sock", token: TOKEN, rateLimit: { burst: 3, perSecond: 1 } } });
    const flood: number[] = [];
    for (let i = 0; i < 50; i++) flood.push((await call("/shutdown", { method: "POST", headers: i % 2 === 0 ? {} : { authorization: "Bearer wrong-token-0123456789" } })).status);
    // The failures are limited too (a guesser gets 429 with Retry-After), in their own bucket.
    expect(flood.slice(0, 3)).toEqual([401, 401, 401]);
    expect(new Set(flood.slice(3))).toEqual(new Set([429]));
    expect(engine.phase).toBe("serving");
    const stop = await call("/shutdown", { method: "POST", headers: { authorization: `Bearer ${TOKEN}` } });
    expect(stop.status).toBe(202);
    expect(engine.phase).toBe("stopped");
    expect((await lines(stop)).pop()).toMatchObject({ type: "report" });
    expect(audits.pop()).toMatchObject({ action: "shutdown", result: "accepted", status: 202 });
  });

  it("authenticated requests still have a bucket: a runaway poller with the token gets 429", async () => {
    const { call } = setup({ control: { socket: "/run/test/drain.sock", token: TOKEN, rateLimit: { burst: 2, perSecond: 1 } } });
    const authorized = { headers: { authorization: `Bearer ${TOKEN}` } };
    expect([(await call("/status", authorized)).status, (await call("/status", authorized)).status]).toEqual([200, 200]);
    const limited = await call("/status", authorized);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("1");
  });

  it("once the drain is disposed, every request is 503 and nothing starts", async () => {
    const { call, engine, audits } = setup({ exit: false });
    engine.dispose();
    const status = await call("/status");
    expect(status.status).toBe(503);
    const stop = await call("/shutdown", { method: "POST" });
    expect(stop.status).toBe(503);
    expect(((await stop.json()) as { error: { code: string } }).error.code).toBe("ERR_DRAIN_DISPOSED");
    expect(engine.phase).toBe("serving");
    expect(audits).toEqual([]);
  });
});

/** A source that reads the engine but whose shutdown throws: a refused request must never get that far. */
function fakeSourceFor(engine: ReturnType<typeof createEngine>): import("./types.ts").ControlSource {
  return {
    runtime: "fake",
    pid: 1,
    now: () => 0,
    phase: () => engine.phase,
    ready: () => engine.phase === "serving",
    mode: () => "graceful",
    counts: () => engine.counts(),
    msToDeadline: () => engine.msToDeadline(),
    totals: () => ({ requestsDuringShutdown: 0, forced: 0 }),
    report: () => undefined,
    msToBudgetEnd: () => undefined,
    disposed: () => false,
    shutdown: () => {
      throw new Error("a refused request started a shutdown");
    },
    onPhase: () => () => {},
    onProgress: () => () => {},
    onReport: () => () => {},
    audit: () => {},
  };
}

describe("a shutdown that cannot start", () => {
  it("ends the stream with an error line instead of hanging", async () => {
    const { engine } = setup({ exit: false });
    const { drainError } = await import("@drain/core");
    const { progressStream } = await import("./progress-stream.ts");
    const source = { ...fakeSourceFor(engine), shutdown: () => Promise.reject(drainError("ERR_DRAIN_DISPOSED", "This drain was disposed.")) };
    const stream = await lines(new Response(progressStream(source, { joined: false, start: () => source.shutdown() })));
    expect(stream.map((line) => line["type"])).toEqual(["accepted", "error"]);
    expect(stream[1]).toEqual({ type: "error", error: { code: "ERR_DRAIN_DISPOSED", message: "This drain was disposed." } });
  });
});

describe("a body that does not arrive", () => {
  /** A request body that sends its first byte and then nothing; `pulled` counts the handler's reads. */
  function stalledBody(): { body: ReadableStream<Uint8Array>; pulls(): number } {
    let pulls = 0;
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => controller.enqueue(new TextEncoder().encode("{")),
      pull: () => {
        pulls++;
        return new Promise(() => {});
      },
    });
    return { body, pulls: () => pulls };
  }

  it("without the token is refused before a byte of it is read", async () => {
    const { call, engine } = setup({ control: { socket: "/run/test/drain.sock", token: TOKEN } });
    const stalled = stalledBody();
    const response = await call("/shutdown", { method: "POST", body: stalled.body, duplex: "half" } as RequestInit);
    expect(response.status).toBe(401);
    expect(stalled.pulls()).toBe(0);
    expect(engine.phase).toBe("serving");
  });

  it("is given up with 408 when the endpoint closes, and nothing is started", async () => {
    const { call, engine, runtime } = setup({ exit: false });
    const answer = call("/shutdown", { method: "POST", body: stalledBody().body, duplex: "half" } as RequestInit);
    await settle();
    engine.dispose();
    const response = await answer;
    expect(response.status).toBe(408);
    // At the close, not at the body deadline (2 s) that would end it too.
    expect(await response.json()).toMatchObject({ error: { code: "ERR_DRAIN_CONTROL_TIMEOUT", message: expect.stringMatching(/^the control endpoint closed before the body arrived/) } });
    expect(runtime.control?.closed).toBe(1);
    expect(engine.phase).toBe("serving");
  });
});
