import type { DrainOptions } from "@drain/engine";
import { afterEach, describe, expect, it } from "vitest";
import { createDenoDrain } from "./drain.ts";
import type { DenoDrain } from "./drain.ts";
import type { ServeHandler } from "./deno-api.ts";
import { fakeDeno, fakeInfo, fakeServer } from "./testing/fake-deno.ts";

const OPTIONS: DrainOptions = {
  logger: false,
  signals: ["SIGTERM"],
  exit: { clean: 0, forced: 3 },
  keepAliveGraceMs: 0,
  timeoutMs: 2_000,
};

/** An HTTP/1.1 request as Deno hands it over: it always has a `host` header (HTTP/2 requests have none). */
function h1(path: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}): Request {
  return new Request(`http://127.0.0.1${path}`, { ...init, headers: { host: "127.0.0.1", ...init.headers } });
}

const live: DenoDrain[] = [];
afterEach(() => {
  for (const d of live.splice(0)) d.dispose();
});

/** A drain on a fake Deno whose handler answers when the test says so. */
function setup(options: DrainOptions = OPTIONS) {
  const fake = fakeDeno();
  const d = createDenoDrain(options, fake.deno);
  live.push(d);
  const pending: ((response: Response) => void)[] = [];
  const serve: { readonly handler: ServeHandler } = d.wrap({
    port: 0,
    handler: (request: Request): Response | Promise<Response> => {
      const path = new URL(request.url).pathname;
      if (path === "/now") return new Response("now");
      if (path === "/redirect") return Response.redirect("http://127.0.0.1/elsewhere", 302);
      return new Promise<Response>((resolve) => pending.push(resolve));
    },
  });
  const server = fakeServer();
  d.attach(server.server);
  const call = (path: string, request: Request = h1(path)) => {
    const info = fakeInfo();
    const result = serve.handler(request, info.info);
    return { info, response: Promise.resolve(result) };
  };
  return { fake, d, serve, server, call, pending };
}

describe("request tracking", () => {
  it("counts a request from the handler call until Deno has sent the whole response", async () => {
    const { d, call, pending } = setup();
    const { info, response } = call("/later");
    expect(d.counts()).toMatchObject({ requests: 1, active: 1 });
    pending[0]?.(new Response("done"));
    await response;
    // The response is returned but not yet sent: still in flight.
    expect(d.counts()).toMatchObject({ requests: 1 });
    info.complete();
    await info.info.completed;
    expect(d.counts()).toMatchObject({ requests: 0, active: 0 });
  });

  it("ends the request when Deno reports it could not send the response", async () => {
    const { d, call } = setup();
    const { info } = call("/now");
    info.interrupt();
    await info.info.completed.catch(() => undefined);
    expect(d.counts().requests).toBe(0);
  });

  it("knows a request's id while its handler runs, and after an async handler returned, so sse() and websocket() find it", async () => {
    const fake = fakeDeno();
    const d = createDenoDrain(OPTIONS, fake.deno);
    live.push(d);
    const seen: (number | undefined)[] = [];
    const handler = d.wrap((async (request: Request): Promise<Response> => {
      seen.push(d.track.idOf(request));
      await Promise.resolve();
      seen.push(d.track.idOf(request));
      return new Response("ok");
    }) as ServeHandler);
    const request = h1("/");
    const outside = h1("/");
    await handler(request, fakeInfo().info);
    expect(seen[0]).toBeTypeOf("number");
    expect(seen[1]).toBe(seen[0]);
    expect(d.track.idOf(outside)).toBeUndefined();
  });

  it("adds no Connection header while serving", async () => {
    const { call } = setup();
    const response = await call("/now").response;
    expect(response.headers.has("connection")).toBe(false);
  });

  it("wraps a bare handler too", async () => {
    const fake = fakeDeno();
    const d = createDenoDrain(OPTIONS, fake.deno);
    live.push(d);
    const handler: ServeHandler = () => new Response("bare");
    const wrapped = d.wrap(handler);
    const info = fakeInfo();
    const response = await wrapped(h1("/"), info.info);
    expect(await response.text()).toBe("bare");
    expect(d.counts().requests).toBe(1);
  });

  it("passes every other serve option through untouched", () => {
    const fake = fakeDeno();
    const d = createDenoDrain(OPTIONS, fake.deno);
    live.push(d);
    const onListen = (): void => {};
    const options = { port: 8123, hostname: "127.0.0.1", onListen, handler: () => new Response("x") };
    const wrapped = d.wrap(options);
    expect(wrapped).toMatchObject({ port: 8123, hostname: "127.0.0.1", onListen });
    expect(wrapped.handler).not.toBe(options.handler);
  });
});

describe("drain", () => {
  it("calls server.shutdown() once, marks in-flight responses Connection: close, and exits clean after the last one is sent", async () => {
    const { fake, d, server, call, pending } = setup();
    const { info, response } = call("/later");
    const stopped = d.shutdown({ reason: "test" });
    await server.shutdownCalled;
    expect(d.phase).toBe("drain");
    pending[0]?.(new Response("late"));
    const sent = await response;
    expect(sent.headers.get("connection")).toBe("close");
    expect(await sent.text()).toBe("late");
    info.complete();
    const report = await stopped;
    expect(report.clean).toBe(true);
    expect(await fake.exited).toBe(0);
    expect(server.shutdownCalls()).toBe(1);
  });

  it("puts Connection: close on a request that arrives during the drain, rewrapping an immutable redirect", async () => {
    const { d, server, call } = setup();
    const holdOpen = call("/later");
    void d.shutdown();
    await server.shutdownCalled;
    const redirect = await call("/redirect").response;
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get("location")).toBe("http://127.0.0.1/elsewhere");
    expect(redirect.headers.get("connection")).toBe("close");
    holdOpen.info.complete();
  });

  it("sends drain's 1001 to a WebSocket at once and holds server.shutdown() until that socket has closed", async () => {
    const { d, server } = setup({ ...OPTIONS, keepAliveGraceMs: 0 });
    const closes: number[] = [];
    const registration = d.websocket({ close: (code) => closes.push(code ?? 0) }, {});
    const stopped = d.shutdown();
    expect(closes).toEqual([1001]);
    expect(server.shutdownCalls()).toBe(0);
    registration.closed();
    // Then the close gate's quiet moment.
    await server.shutdownCalled;
    expect((await stopped).websockets).toEqual({ closed: 1, cutAfterCloseTimeout: 0, forced: 0 });
  });

  it("gives up on a WebSocket that never answers at wsCloseTimeoutMs, then lets server.shutdown() cut it", async () => {
    const { d, server } = setup({ ...OPTIONS, keepAliveGraceMs: 0, wsCloseTimeoutMs: 60 });
    d.websocket({ close: () => {} }, {});
    const requestedAt = performance.now();
    const stopped = d.shutdown();
    await server.shutdownCalled;
    expect(performance.now() - requestedAt).toBeGreaterThanOrEqual(55);
    expect(await stopped).toMatchObject({ clean: true, websockets: { closed: 1, cutAfterCloseTimeout: 1, forced: 0 } });
  });

  it("adds no second Connection: close to a request that asked for it (Deno adds its own)", async () => {
    const { d, server, serve } = setup({ ...OPTIONS, keepAliveGraceMs: 0 });
    const holdOpen = fakeInfo();
    void serve.handler(h1("/later"), holdOpen.info);
    void d.shutdown();
    await server.shutdownCalled;
    const request = h1("/now", { headers: { connection: "keep-alive, close" } });
    const response = await serve.handler(request, fakeInfo().info);
    expect(response.headers.has("connection")).toBe(false);
    holdOpen.complete();
  });

  it("starts server.shutdown() at attach when the stop came first", async () => {
    const fake = fakeDeno();
    const d = createDenoDrain(OPTIONS, fake.deno);
    live.push(d);
    const serve: { readonly handler: ServeHandler } = d.wrap({ handler: () => new Response("x") });
    void serve.handler(h1("/"), fakeInfo().info);
    void d.shutdown();
    const server = fakeServer();
    expect(server.shutdownCalls()).toBe(0);
    d.attach(server.server);
    await server.shutdownCalled;
    expect(d.deno?.server).toBe(server.server);
  });

  it("at the deadline aborts nothing: the request that never answers ends with the engine's exit and the forced code", async () => {
    const { fake, d, server, call } = setup({ ...OPTIONS, timeoutMs: 300 });
    call("/never");
    const report = await d.shutdown();
    expect(report.clean).toBe(false);
    expect(report.connections.forced).toBe(1);
    expect(await fake.exited).toBe(3);
    // shutdown() was the only call into the server: no second shutdown, no signal abort.
    expect(server.shutdownCalls()).toBe(1);
  });
});

describe("what shutdown() would cut", () => {
  // Measured on Deno 2.9.6: shutdown() fails the read of a body still arriving and cancels HTTP/2 streams in flight.
  const cases: [string, () => Request][] = [
    ["an upload (a request with a body)", () => h1("/upload", { method: "POST", body: "part of a large body" })],
    ["an HTTP/2 request (no host header)", () => new Request("http://127.0.0.1/h2")],
  ];
  for (const [name, make] of cases) {
    it(`holds server.shutdown() while ${name} is in flight, answers it with Connection: close, then shuts down`, async () => {
      const { d, server, call, pending } = setup();
      const { info, response } = call("/later", make());
      const stopped = d.shutdown();
      // A plain GET that arrives meanwhile is served with Connection: close and does not hold anything.
      const plain = call("/now");
      expect((await plain.response).headers.get("connection")).toBe("close");
      plain.info.complete();
      await new Promise((resolve) => setTimeout(resolve, 120));
      expect(server.shutdownCalls()).toBe(0);
      pending[0]?.(new Response("done"));
      expect((await response).headers.get("connection")).toBe("close");
      info.complete();
      await server.shutdownCalled;
      expect((await stopped).clean).toBe(true);
    });
  }

  it("does not hold server.shutdown() for a plain HTTP/1.1 request in flight (Deno finishes it)", async () => {
    const { d, server, call, pending } = setup();
    const { info } = call("/later");
    void d.shutdown();
    await server.shutdownCalled;
    pending[0]?.(new Response("done"));
    info.complete();
  });

  /** A drain past its keep-alive grace whose shutdown() waits for one upload only; `release()` sends that upload. */
  async function waitingForOneUpload() {
    const drained = setup({ ...OPTIONS, keepAliveGraceMs: 100 });
    const blocker = drained.call("/upload", h1("/upload", { method: "POST", body: "x" }));
    void drained.d.shutdown();
    // Past the keep-alive grace (a duration, not an event): shutdown() is now due but for the upload.
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(drained.server.shutdownCalls()).toBe(0);
    const release = async (): Promise<void> => {
      blocker.info.complete();
      // The adapter saw the end first (it subscribed first): the close gate is now waiting for its quiet moment.
      await blocker.info.info.completed;
    };
    return { ...drained, release };
  }

  it("holds a response returned while it waits for a quiet moment, and lets it go once shutdown() ran", async () => {
    const { server, call, release } = await waitingForOneUpload();
    await release();
    let answered = false;
    const late = call("/now");
    void late.response.then(() => (answered = true));
    await Promise.resolve();
    expect(answered).toBe(false);
    expect(server.shutdownCalls()).toBe(0);
    await server.shutdownCalled;
    const response = await late.response;
    expect(response.headers.get("connection")).toBe("close");
    late.info.complete();
  });

  it("waits again when an upload arrives while it waits for the quiet moment, and shuts down once that upload is sent", async () => {
    const { server, call, pending, release } = await waitingForOneUpload();
    await release();
    const upload = call("/later", h1("/upload", { method: "POST", body: "x" }));
    // Well past the quiet moment: the stop declined, since the new upload would be cut.
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(server.shutdownCalls()).toBe(0);
    pending[1]?.(new Response("done"));
    expect((await upload.response).headers.get("connection")).toBe("close");
    upload.info.complete();
    await server.shutdownCalled;
    expect(server.shutdownCalls()).toBe(1);
  });

  it("exits a clean drain only once shutdown() has settled: Deno takes a response before its bytes are on the socket", async () => {
    const { fake, d, server, call } = setup();
    const { info } = call("/now");
    info.complete();
    void d.shutdown();
    await server.shutdownCalled;
    const report = await d.stopped;
    expect(report.clean).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fake.exits).toEqual([]);
    server.settleShutdown();
    expect(await fake.exited).toBe(0);
  });

  it("at the deadline never calls shutdown() under an upload in flight: the exit ends it, and the report counts it forced", async () => {
    const { fake, d, server, call } = setup({ ...OPTIONS, timeoutMs: 300 });
    call("/never", h1("/never", { method: "POST", body: "x" }));
    const report = await d.shutdown();
    expect(report.connections.forced).toBe(1);
    expect(await fake.exited).toBe(3);
    expect(server.shutdownCalls()).toBe(0);
  });
});

describe("signals and dispose", () => {
  it("a SIGTERM through Deno.addSignalListener starts the drain", async () => {
    const { fake, d, server } = setup();
    expect(fake.listening()).toEqual(["SIGTERM"]);
    fake.raise("SIGTERM");
    await server.shutdownCalled;
    const report = await d.stopped;
    expect(report.reason).toBe("SIGTERM");
    expect(await fake.exited).toBe(0);
  });

  it("dispose() removes every signal listener; wrapped handlers keep serving, untracked", async () => {
    const { fake, d, call } = setup();
    d.dispose();
    expect(fake.listening()).toEqual([]);
    const response = await call("/now").response;
    expect(await response.text()).toBe("now");
    expect(response.headers.has("connection")).toBe(false);
  });

  it("reads KUBERNETES_SERVICE_HOST when granted, so a notify phase comes first", () => {
    const fake = fakeDeno({ KUBERNETES_SERVICE_HOST: "10.0.0.1" }, ["KUBERNETES_SERVICE_HOST"]);
    const d = createDenoDrain({ ...OPTIONS, timeoutMs: 25_000 }, fake.deno);
    live.push(d);
    d.wrap({ handler: () => new Response("x") });
    d.attach(fakeServer().server);
    void d.shutdown();
    expect(d.phase).toBe("notify");
  });
});

describe("attach misuse", () => {
  it("refuses a server when no handler was wrapped, since drain would see no request", () => {
    const d = createDenoDrain(OPTIONS, fakeDeno().deno);
    live.push(d);
    expect(() => d.attach(fakeServer().server)).toThrow(expect.objectContaining({ code: "ERR_DRAIN_NOT_ATTACHED" }));
  });

  it("refuses a second server, accepts the same one again", () => {
    const { d, server } = setup();
    expect(() => d.attach(server.server)).not.toThrow();
    expect(() => d.attach(fakeServer().server)).toThrow(expect.objectContaining({ code: "ERR_DRAIN_ALREADY_ATTACHED" }));
  });

  it("refuses options without a handler", () => {
    const d = createDenoDrain(OPTIONS, fakeDeno().deno);
    live.push(d);
    expect(() => d.wrap({ port: 1 } as never)).toThrow(expect.objectContaining({ code: "ERR_DRAIN_INVALID_OPTION" }));
  });
});

describe("options that are not an options object", () => {
  it.each([[null], ["x"], [[]]])("%j fails with ERR_DRAIN_INVALID_OPTION, not a TypeError", (value) => {
    expect(() => createDenoDrain(value as never, fakeDeno().deno)).toThrow(expect.objectContaining({ name: "DrainError", code: "ERR_DRAIN_INVALID_OPTION" }));
  });
});
