/**
 * Scenarios run on Bun by `src/bun.test.ts` (vitest runs on Node, the adapter needs Bun).
 * Each scenario starts a real `Bun.serve` on 127.0.0.1, talks to it, and prints one `RESULT {json}` line.
 * Usage: `bun test/scenarios.ts <scenario>`.
 */
import { drain, type BunDrain, type DrainOptions } from "../src/index.ts";

interface BunServer {
  readonly port: number;
  upgrade(request: Request): boolean;
  stop(force?: boolean): Promise<void>;
  requestIP(request: Request): { address: string; port: number } | null;
  timeout(request: Request, seconds: number): void;
  readonly pendingRequests: number;
}
const Bun = (globalThis as unknown as { Bun: { serve(options: object): BunServer } }).Bun;

// A short keep-alive grace: the listener closes that long after the drain starts (see the core), keeping tests quick.
const QUIET: DrainOptions = { signals: false, exit: false, logger: false, keepAliveGraceMs: 100 };

function serve(d: BunDrain, options: object): { server: BunServer; base: string } {
  const server = Bun.serve(d.wrap({ hostname: "127.0.0.1", port: 0, ...options }));
  d.attach(server);
  return { server, base: `http://127.0.0.1:${server.port}` };
}

function gate(): { promise: Promise<void>; open: () => void } {
  let open: () => void = () => {};
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** Resolves once `check` holds, polling each macrotask (bounded by the test's own timeout). */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
}

const scenarios: Record<string, () => Promise<unknown>> = {
  /** A response finished during the drain says `Connection: close`, set in place: Bun's implicit content type survives. */
  async "connection-close"() {
    const d = drain(QUIET);
    const release = gate();
    const arrived = gate();
    const { base } = serve(d, {
      async fetch() {
        arrived.open();
        await release.promise;
        return new Response("hi");
      },
    });
    const pending = fetch(`${base}/`);
    await arrived.promise;
    const stopped = d.shutdown({ reason: "test" });
    release.open();
    const response = await pending;
    const body = await response.text();
    const report = await stopped;
    return {
      connection: response.headers.get("connection"),
      contentType: response.headers.get("content-type"),
      body,
      clean: report.clean,
      closedAfterResponse: report.connections.closedAfterResponse,
    };
  },

  /** Before the drain nothing is added: keep-alive stays the runtime's business. */
  async "no-close-while-serving"() {
    const d = drain(QUIET);
    const { base } = serve(d, { fetch: () => new Response("hi") });
    const response = await fetch(`${base}/`);
    await response.text();
    await until(() => d.counts().requests === 0);
    d.dispose();
    return { connection: response.headers.get("connection"), contentType: response.headers.get("content-type") };
  },

  /** A streamed body keeps its request tracked until the stream ends; the drain waits for it. */
  async "stream-tracking"() {
    const d = drain(QUIET);
    const { base } = serve(d, {
      fetch() {
        let n = 0;
        return new Response(
          new ReadableStream<Uint8Array>({
            async pull(controller) {
              await new Promise((resolve) => setTimeout(resolve, 100));
              if (++n > 5) controller.close();
              else controller.enqueue(new TextEncoder().encode(`chunk${n};`));
            },
          }),
        );
      },
    });
    const response = await fetch(`${base}/`);
    const reader = response.body!.getReader();
    await reader.read();
    const whileStreaming = d.counts().requests;
    const shutdownAt = performance.now();
    let stoppedAt = 0;
    const stopped = d.shutdown({ reason: "test" }).then((report) => {
      stoppedAt = performance.now();
      return report;
    });
    let received = "";
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) received += new TextDecoder().decode(chunk.value);
    const streamEndedAt = performance.now();
    const report = await stopped;
    return {
      whileStreaming,
      after: d.counts().requests,
      received,
      stoppedAfterStream: stoppedAt >= streamEndedAt - 60,
      drainMs: Math.round(stoppedAt - shutdownAt),
      clean: report.clean,
    };
  },

  /** A WebSocket: the upgrade ends the request entity, the socket is tracked and gets 1001 on drain. */
  async websocket() {
    const d = drain(QUIET);
    let server: BunServer | undefined;
    ({ server } = serve(d, {
      fetch: (request: Request) => (server?.upgrade(request) ? undefined : new Response("no", { status: 400 })),
      websocket: { message: (ws: { send(m: unknown): void }, message: unknown) => ws.send(message) },
    }));
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`);
    await new Promise((resolve) => ws.addEventListener("open", resolve, { once: true }));
    const echoed = new Promise<string>((resolve) => ws.addEventListener("message", (e) => resolve(String(e.data)), { once: true }));
    ws.send("ping");
    const echo = await echoed;
    const counts = d.counts();
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      ws.addEventListener("close", (e) => resolve({ code: e.code, reason: e.reason }), { once: true }),
    );
    const report = await d.shutdown({ reason: "test" });
    return { echo, requests: counts.requests, websockets: counts.websockets, close: await closed, wsClosed: report.websockets.closed, clean: report.clean };
  },

  /** An engine SSE stream outlives Bun's idle timeout (the adapter turns it off for event streams), then ends on drain. */
  async "sse-idle"() {
    const d = drain(QUIET);
    const { base } = serve(d, {
      idleTimeout: 2,
      fetch: (request: Request) => d.sse((stream) => void stream.send({ data: "hello" }), { request, heartbeatMs: 0 }),
    });
    const response = await fetch(`${base}/sse`);
    const reader = response.body!.getReader();
    let text = new TextDecoder().decode((await reader.read()).value);
    let endedEarly = false;
    const rest = (async () => {
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += new TextDecoder().decode(chunk.value);
    })().then(
      () => "end",
      () => "error",
    );
    // Bun's idle timeout (2 s here) is enforced on a ~4 s tick: a quiet stream it applies to dies by 6 s.
    const early = await Promise.race([rest, new Promise((resolve) => setTimeout(() => resolve("open"), 6500))]);
    if (early !== "open") endedEarly = true;
    const report = await d.shutdown({ reason: "test" });
    const how = await rest;
    return { endedEarly, how, lastFrame: text.slice(text.lastIndexOf("\n\n", text.length - 3) + 2), sseEnded: report.sse.ended };
  },

  /** `routes` handlers are tracked like `fetch`. */
  async routes() {
    const d = drain(QUIET);
    const release = gate();
    const arrived = gate();
    const { base } = serve(d, {
      routes: {
        "/slow": async () => {
          arrived.open();
          await release.promise;
          return new Response("slow");
        },
        "/method": { GET: () => new Response("get") },
        "/static": new Response("static"),
      },
      fetch: () => new Response("fallback"),
    });
    const pending = fetch(`${base}/slow`);
    await arrived.promise;
    const inFlight = d.counts().requests;
    release.open();
    const body = await (await pending).text();
    const method = await (await fetch(`${base}/method`)).text();
    const staticBody = await (await fetch(`${base}/static`)).text();
    await until(() => d.counts().requests === 0);
    d.dispose();
    return { inFlight, body, method, staticBody };
  },

  /**
   * While serving the adapter holds its requests and hands the core those in flight when asked: a running handler
   * (even one nested in another's), a pending async one, and a shutdown started from inside a handler, whose own
   * request is then drained with `Connection: close`.
   */
  async "held-while-serving"() {
    const d = drain(QUIET);
    const release = gate();
    const arrived = gate();
    let nested = -1;
    const inner = d.wrap({ fetch: () => new Response(String(d.counts().active)) }).fetch as (request: Request, server: unknown) => Response;
    const { base, server } = serve(d, {
      async fetch(request: Request, bunServer: unknown) {
        const path = new URL(request.url).pathname;
        if (path === "/running") return new Response(JSON.stringify(d.counts()));
        if (path === "/nested") {
          nested = Number(await inner(request, bunServer).text());
          return new Response("nested");
        }
        if (path === "/shutdown") {
          void d.shutdown();
          return new Response("bye");
        }
        arrived.open();
        await release.promise;
        return new Response("slow");
      },
    });
    const running = (await (await fetch(`${base}/running`)).json()) as { active: number; requests: number };
    await (await fetch(`${base}/nested`)).text();
    const pending = fetch(`${base}/slow`);
    await arrived.promise;
    const whilePending = d.counts().requests;
    release.open();
    await (await pending).text();
    await until(() => d.counts().requests === 0);
    const afterwards = d.counts();
    const bye = await fetch(`${base}/shutdown`);
    const report = await d.stopped;
    server.stop(true);
    return {
      running: { active: running.active, requests: running.requests },
      nested,
      whilePending,
      afterwards: { active: afterwards.active, idle: afterwards.idle, requests: afterwards.requests },
      shutdownResponse: { body: await bye.text(), connection: bye.headers.get("connection") },
      clean: report.clean,
    };
  },

  /** A handler that throws still ends its request. */
  async throws() {
    const d = drain(QUIET);
    const { base } = serve(d, {
      fetch: async () => {
        throw new Error("boom");
      },
      error: () => new Response("handled", { status: 500 }),
    });
    const response = await fetch(`${base}/`);
    const body = await response.text();
    await until(() => d.counts().requests === 0);
    const report = await d.shutdown({ reason: "test" });
    return { status: response.status, body, clean: report.clean };
  },

  /** At the deadline `stop(true)` forces what never answers. */
  async force() {
    const d = drain({ ...QUIET, timeoutMs: 400 });
    const arrived = gate();
    const { server, base } = serve(d, {
      fetch: () => {
        arrived.open();
        return new Promise<Response>(() => {});
      },
    });
    const pending = fetch(`${base}/hang`).then(
      () => "answered",
      () => "failed",
    );
    await arrived.promise;
    const report = await d.shutdown({ reason: "test" });
    return { client: await pending, clean: report.clean, forced: report.connections.forced, pendingRequests: server.pendingRequests, durationMs: Math.round(report.durationMs) };
  },

  /** Options that are not an options object fail with a code, before anything reads them. */
  async "bad-options"() {
    const codes: Record<string, unknown> = {};
    for (const [name, value] of [["null", null], ["string", "x"], ["array", []], ["loggerNull", { logger: null }], ["exitTypo", { exit: { cleen: 3 } }]] as const) {
      try {
        drain(value as never).dispose();
        codes[name] = "no error";
      } catch (error) {
        codes[name] = `${(error as Error).name} ${(error as { code?: string }).code}`;
      }
    }
    return codes;
  },

  /** attach() checks what it is given. */
  async "attach-errors"() {
    const codes: Record<string, unknown> = {};
    const capture = (name: string, run: () => void): void => {
      try {
        run();
        codes[name] = "no error";
      } catch (error) {
        codes[name] = (error as { code?: string }).code;
      }
    };
    const unwrapped = drain(QUIET);
    const lone = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("x") });
    capture("notWrapped", () => unwrapped.attach(lone));
    capture("notAServer", () => unwrapped.attach({} as never));
    const d = drain(QUIET);
    const { server } = serve(d, { fetch: () => new Response("x") });
    capture("sameAgain", () => d.attach(server));
    capture("another", () => d.attach(lone));
    const attachedIsServer = d.bun?.server === server;
    d.dispose();
    capture("afterDispose", () => d.wrap({ fetch: () => new Response("x") }));
    unwrapped.dispose();
    await lone.stop(true);
    await server.stop(true);
    return { ...codes, attachedIsServer };
  },
};

const name = process.argv[2] ?? "";
const scenario = scenarios[name];
if (scenario === undefined) {
  console.error(`unknown scenario "${name}"; known: ${Object.keys(scenarios).join(", ")}`);
  process.exit(2);
}
const began = performance.now();
const result = await scenario();
if (process.env["SCENARIO_TIMING"]) console.error(`took ${Math.round(performance.now() - began)} ms`);
console.log(`RESULT ${JSON.stringify(result)}`);
process.exit(0);
