import type { DrainOptions } from "@drain/engine";
import { afterEach, describe, expect, it } from "vitest";
import { createDenoDrain, type DenoDrain } from "./drain.ts";
import type { ServeHandler } from "./deno-api.ts";
import { fakeDeno, fakeInfo, fakeServer, type FakeInfo } from "./testing/fake-deno.ts";

const OPTIONS: DrainOptions = {
  logger: false,
  signals: ["SIGTERM"],
  exit: { clean: 0, forced: 3 },
  keepAliveGraceMs: 0,
  notifyMs: 0,
  timeoutMs: 2_000,
};

const live: DenoDrain[] = [];
afterEach(() => {
  for (const d of live.splice(0)) d.dispose();
});

/**
 * A drain whose responses are told apart as Deno 2.9.6 does (`sentOnReturnTest`): here a response made by
 * `streamed()` is sent after its handler returns, every other one as it is returned.
 */
function setup(route: (path: string, d: DenoDrain) => Response | Promise<Response>) {
  const fake = fakeDeno();
  const streamedResponses = new WeakSet<Response>();
  const d = createDenoDrain(OPTIONS, fake.deno, (response) => !streamedResponses.has(response));
  live.push(d);
  const streamed = (): Response => {
    const response = new Response(new ReadableStream());
    streamedResponses.add(response);
    return response;
  };
  const serve: { readonly handler: ServeHandler } = d.wrap({ port: 0, handler: (request: Request) => route(new URL(request.url).pathname, d) });
  const server = fakeServer();
  d.attach(server.server);
  const call = (path: string, info: FakeInfo = fakeInfo()): { info: FakeInfo; response: Promise<Response> } => {
    const result = serve.handler(new Request(`http://127.0.0.1${path}`, { headers: { host: "127.0.0.1" } }), info.info);
    return { info, response: Promise.resolve(result) };
  };
  return { fake, d, server, call, streamed };
}

describe("while serving, a request costs drain nothing once its response is sent as it is returned", () => {
  it("does not read info.completed of a response Deno sends as the handler returns it, and counts nothing in flight", async () => {
    const { d, call } = setup(() => new Response("now"));
    const { info, response } = call("/now");
    expect(await (await response).text()).toBe("now");
    expect(info.completedReads()).toBe(0);
    expect(d.counts()).toMatchObject({ requests: 0, active: 0 });
  });

  it("follows a streamed response until Deno has sent it: a shutdown in between waits for it", async () => {
    const { fake, d, server, call, streamed } = setup(() => streamed());
    const { info } = call("/download");
    expect(info.completedReads()).toBe(1);
    expect(d.counts()).toMatchObject({ requests: 1 });
    const stopped = d.shutdown({ reason: "test" });
    await server.shutdownCalled;
    expect(d.phase).toBe("drain");
    info.complete();
    server.settleShutdown();
    const report = await stopped;
    expect(report.clean).toBe(true);
    expect(await fake.exited).toBe(0);
  });

  it("counts an async handler while it runs, and forgets it unread once it returns a response sent at once", async () => {
    let answer: (response: Response) => void = () => {};
    const { d, call } = setup(() => new Promise<Response>((resolve) => (answer = resolve)));
    const { info, response } = call("/later");
    answer(new Response("late"));
    expect(await (await response).text()).toBe("late");
    expect(info.completedReads()).toBe(0);
    expect(d.counts()).toMatchObject({ requests: 0, active: 0 });
  });

  it("hands an async handler still running at the shutdown to the core, which then waits until Deno has sent its response", async () => {
    let answer: (response: Response) => void = () => {};
    const { fake, d, server, call } = setup(() => new Promise<Response>((resolve) => (answer = resolve)));
    const { info, response } = call("/later");
    const stopped = d.shutdown({ reason: "test" });
    await server.shutdownCalled;
    expect(d.counts()).toMatchObject({ requests: 1 });
    answer(new Response("late"));
    const sent = await response;
    expect(sent.headers.get("connection")).toBe("close");
    // Returned but not yet sent: still in flight, and its completion is read before Deno sends it.
    expect(info.completedReads()).toBe(1);
    expect(d.counts()).toMatchObject({ requests: 1 });
    info.complete();
    server.settleShutdown();
    expect((await stopped).clean).toBe(true);
    expect(await fake.exited).toBe(0);
  });

  it("follows a response sent at once when its own handler started the shutdown", async () => {
    const { fake, d, server, call } = setup((_path, drain) => {
      void drain.shutdown({ reason: "admin" });
      return new Response("bye");
    });
    const { info } = call("/stop");
    expect(d.phase).not.toBe("serving");
    expect(info.completedReads()).toBe(1);
    expect(d.counts()).toMatchObject({ requests: 1 });
    info.complete();
    server.settleShutdown();
    expect(await fake.exited).toBe(0);
  });

  it("follows a request whose handler started the shutdown and then threw until Deno has answered it with 500", async () => {
    const { fake, d, server, call } = setup((_path, drain) => {
      void drain.shutdown({ reason: "admin" });
      throw new Error("boom");
    });
    const info = fakeInfo();
    expect(() => call("/stop", info)).toThrow("boom");
    expect(info.completedReads()).toBe(1);
    expect(d.counts()).toMatchObject({ requests: 1 });
    info.complete();
    server.settleShutdown();
    expect(await fake.exited).toBe(0);
  });

  it("ends a request its handler upgraded (Deno closed it inside the handler) though the core was handed it meanwhile", async () => {
    // `Deno.upgradeWebSocket` closes the request before the handler returns its 101: `completed` read after that
    // never settles. undici will not build a 101, so the status is set on the instance.
    const upgraded = (): Response => Object.defineProperty(new Response(null), "status", { value: 101 });
    const info = fakeInfo();
    const { d, call } = setup((_path, drain) => {
      drain.counts(); // any input stepped while the handler runs hands its request to the core
      info.complete(); // the upgrade closes the request
      return upgraded();
    });
    call("/ws", info);
    expect(d.counts()).toMatchObject({ requests: 1 });
    await Promise.resolve();
    expect(d.counts()).toMatchObject({ requests: 0, active: 0 });
  });

  it("forgets an async handler that throws once Deno has answered it with 500", async () => {
    let fail: (error: Error) => void = () => {};
    const { d, call } = setup(() => new Promise<Response>((_resolve, reject) => (fail = reject)));
    const { info, response } = call("/boom");
    fail(new Error("boom"));
    await expect(response).rejects.toThrow("boom");
    expect(info.completedReads()).toBe(1);
    info.complete();
    await info.info.completed;
    expect(d.counts()).toMatchObject({ requests: 0, active: 0 });
  });

  it("names a streamed response forced at the deadline, whose handler returned at once", async () => {
    const { fake, d, call, streamed } = setup(() => streamed());
    call("/download");
    const report = await d.shutdown({ reason: "test", mode: "immediate" });
    expect(report.forcedItems).toEqual([expect.objectContaining({ kind: "request", method: "GET", path: "/download" })]);
    expect(await fake.exited).toBe(3);
  });
});
