import { isDrainError } from "@drain/core";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { drainMiddleware } from "./middleware.ts";
import { streamSSE } from "./sse.ts";
import type { DrainSSEStreamingApi } from "./sse-api.ts";
import { testDrain } from "./testing/test-drain.ts";
import type { DrainEnv } from "./types.ts";

function appWith(route: (stream: DrainSSEStreamingApi) => void | Promise<void>, d = testDrain()) {
  const app = new Hono<DrainEnv>();
  app.use(drainMiddleware(() => d.engine));
  app.get("/events", (c) => streamSSE(c, route, undefined, { heartbeatMs: 0 }));
  return { app, ...d };
}

/** Read the body until `until` matches what arrived so far (or the stream ends). */
async function readUntil(response: Response, until: (text: string) => boolean): Promise<string> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (!until(text)) {
    const chunk = await reader.read();
    if (chunk.done) break;
    text += decoder.decode(chunk.value, { stream: true });
  }
  reader.releaseLock();
  return text;
}

describe("streamSSE", () => {
  it("writes events the way hono/streaming does, plus raw text, and ends when the callback returns", async () => {
    const { app, engine } = appWith(async (stream) => {
      await stream.writeSSE({ id: "1", event: "tick", data: "one\ntwo", retry: 3000 });
      await stream.writeSSE({ data: Promise.resolve("later") });
      await stream.write(": raw comment\n\n");
      await stream.write(new TextEncoder().encode("data: bytes\n\n"));
      await stream.writeln("data: line\n");
    });
    const response = await app.request("/events");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(await response.text()).toBe(
      "id: 1\nevent: tick\nretry: 3000\ndata: one\ndata: two\n\n" + "data: later\n\n" + ": raw comment\n\n" + "data: bytes\n\n" + "data: line\n\n",
    );
    expect(engine.counts().sse).toBe(0);
  });

  it("hands the callback Last-Event-ID", async () => {
    const { app } = appWith(async (stream) => {
      await stream.writeSSE({ data: `after ${stream.lastEventId}` });
    });
    const response = await app.request("/events", { headers: { "last-event-id": "41" } });
    expect(await response.text()).toBe("data: after 41\n\n");
  });

  it("refuses an id or event with a line break, as hono/streaming does, and reports it through onError", async () => {
    const d = testDrain();
    const app = new Hono<DrainEnv>();
    app.use(drainMiddleware(() => d.engine));
    let reported: string | undefined;
    app.get("/events", (c) =>
      streamSSE(
        c,
        async (stream) => {
          await stream.writeSSE({ id: "a\nb", data: "x" });
        },
        async (error) => {
          reported = error.message;
        },
        { heartbeatMs: 0 },
      ),
    );
    expect(await (await app.request("/events")).text()).toBe('event: error\ndata: id must not contain "\\r" or "\\n"\n\n');
    expect(reported).toMatch(/id must not contain/);
  });

  it("keeps headers set earlier with c.header()", async () => {
    const d = testDrain();
    const app = new Hono<DrainEnv>();
    app.use(drainMiddleware(() => d.engine));
    app.get("/events", (c) => {
      c.header("x-stream", "yes");
      return streamSSE(c, () => {}, undefined, { heartbeatMs: 0 });
    });
    const response = await app.request("/events");
    expect(response.headers.get("x-stream")).toBe("yes");
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
  });

  it("on drain: the loop sees aborted, sleep() returns early, onAbort runs, and the client gets retry: and a clean end", async () => {
    const d = testDrain();
    let onAbortRan = false;
    let signalAborted = false;
    let sleeps = 0;
    let loopEnded: (() => void) | undefined;
    const callbackDone = new Promise<void>((resolve) => (loopEnded = resolve));
    const { app, engine } = appWith(async (stream) => {
      stream.onAbort(() => {
        onAbortRan = true;
      });
      let n = 0;
      while (!stream.aborted) {
        await stream.writeSSE({ id: String(++n), data: "tick" });
        // An hour: only the drain can end this sleep in time for the test.
        await stream.sleep(3_600_000);
        sleeps++;
      }
      signalAborted = stream.signal.aborted;
      loopEnded?.();
    }, d);
    const response = await app.request("/events");
    const first = await readUntil(response, (text) => text.includes("\n\n"));
    expect(first).toBe("id: 1\ndata: tick\n\n");
    expect(engine.counts().sse).toBe(1);

    const report = engine.shutdown({ reason: "deploy" });
    const rest = await readUntil(response, () => false);
    expect(rest).toBe("event: drain\nretry: 2000\ndata: deploy\n\n");
    expect((await report).sse).toEqual({ ended: 1, forced: 0 });
    await callbackDone;
    expect(sleeps).toBe(1);
    expect(onAbortRan).toBe(true);
    expect(signalAborted).toBe(true);
  });

  it("answers a stream requested during the drain 200 with retry: and a clean end, without running the callback", async () => {
    const d = testDrain();
    let ran = false;
    const { app, engine } = appWith(() => {
      ran = true;
    }, d);
    const held = d.hold();
    void engine.shutdown({ reason: "deploy" });
    expect(engine.phase).toBe("drain");
    const response = await app.request("/events");
    expect(response.status).toBe(200);
    expect(response.headers.get("connection")).toBe("close");
    expect(await response.text()).toBe("event: drain\nretry: 2000\ndata: deploy\n\n");
    expect(ran).toBe(false);
    held.release();
  });

  it("ends the stream and tells the callback when the client goes away", async () => {
    let aborted: Promise<void> | undefined;
    const { app, engine } = appWith((stream) => {
      aborted = new Promise((resolve) => stream.onAbort(resolve));
      return stream.sleep(3_600_000).then(() => {});
    });
    const response = await app.request("/events");
    expect(engine.counts().sse).toBe(1);
    await response.body?.cancel();
    await aborted;
    expect(engine.counts().sse).toBe(0);
  });

  it("needs drainMiddleware, and says so with a code", async () => {
    const app = new Hono();
    let caught: unknown;
    app.onError((error, c) => {
      caught = error;
      return c.text("error", 500);
    });
    app.get("/events", (c) => streamSSE(c, () => {}));
    expect((await app.request("/events")).status).toBe(500);
    expect(isDrainError(caught) && caught.code).toBe("ERR_DRAIN_NOT_ATTACHED");
  });
});
