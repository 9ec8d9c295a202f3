/**
 * The rolling-restart load, all through the balancer: keep-alive HTTP requests at a bounded rate, SSE clients
 * that resume with `Last-Event-ID` (`sse-client.ts`), and WebSocket clients that echo and reconnect. Counts what
 * a user would notice: failed requests, SSE gaps, WebSocket closes without 1001.
 */
import { Agent, get } from "node:http";
import WebSocket from "ws";
import { type SseStats, startSseClient } from "./sse-client.ts";

export interface LoadOptions {
  readonly port: number;
  /** HTTP requests per second, over `httpConnections` keep-alive connections; every 4th is `/slow?ms=200`. */
  readonly requestsPerSecond: number;
  readonly httpConnections: number;
  readonly sseClients: number;
  readonly wsClients: number;
  /** Reconnect delay when the server gave none (SSE without `retry:`, WebSockets). */
  readonly reconnectMs: number;
}

export interface LoadCounts {
  requests: number;
  failedRequests: number;
  /** Why requests failed: `status 502`, `ECONNRESET`, ... */
  failureReasons: Record<string, number>;
  sse: SseStats;
  wsConnections: number;
  wsCloses: number;
  wsClosesWithout1001: number;
  /** Close codes other than 1001, by code. */
  wsOtherCodes: Record<string, number>;
  /** Upgrades refused or failed (an answer other than 101). */
  wsConnectFailures: number;
  /** Echoes that never came back before their socket closed. */
  wsLostEchoes: number;
}

export interface Load {
  /** Stop every client and resolve with the final counts (closes made by this stop are not counted). */
  stop(): Promise<LoadCounts>;
}

function bump(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

/** Start the load; it runs until `stop()`. */
export function startLoad(options: LoadOptions): Load {
  const base = `http://127.0.0.1:${options.port}`;
  const counts: LoadCounts = {
    requests: 0,
    failedRequests: 0,
    failureReasons: {},
    sse: { events: 0, gaps: 0, missed: 0, duplicates: 0, reconnects: 0, failures: 0, failureReasons: {}, farewells: 0 },
    wsConnections: 0,
    wsCloses: 0,
    wsClosesWithout1001: 0,
    wsOtherCodes: {},
    wsConnectFailures: 0,
    wsLostEchoes: 0,
  };
  let stopping = false;
  const pending = new Set<Promise<void>>();

  // HTTP: a paced ticker hands requests to a keep-alive pool.
  const agent = new Agent({ keepAlive: true, maxSockets: options.httpConnections });
  let sent = 0;
  const request = (): void => {
    sent += 1;
    const path = sent % 4 === 0 ? "/slow?ms=200" : "/";
    counts.requests += 1;
    const done = new Promise<void>((resolve) => {
      const fail = (reason: string): void => {
        counts.failedRequests += 1;
        bump(counts.failureReasons, reason);
        resolve();
      };
      const req = get(`${base}${path}`, { agent }, (res) => {
        res.resume();
        res.once("end", () => (res.statusCode === 200 ? resolve() : fail(`status ${res.statusCode}`)));
        res.once("aborted", () => fail("aborted"));
      });
      req.once("error", (error: NodeJS.ErrnoException) => fail(error.code ?? error.message));
    });
    pending.add(done);
    void done.then(() => pending.delete(done));
  };
  const httpTimer = setInterval(request, 1000 / options.requestsPerSecond);

  const sse = Array.from({ length: options.sseClients }, () => startSseClient(`${base}/sse`, options.reconnectMs));

  // WebSockets: each client sends a numbered message every 200 ms and expects it back.
  const sockets = new Set<WebSocket>();
  const openWs = (): void => {
    if (stopping) return;
    const ws = new WebSocket(`ws://127.0.0.1:${options.port}/ws`);
    sockets.add(ws);
    let opened = false;
    let outstanding = 0;
    let ping: ReturnType<typeof setInterval> | undefined;
    ws.on("open", () => {
      opened = true;
      counts.wsConnections += 1;
      ping = setInterval(() => {
        if (ws.readyState !== WebSocket.OPEN) return;
        outstanding += 1;
        ws.send("echo");
      }, 200);
    });
    ws.on("message", () => (outstanding -= 1));
    ws.on("error", () => {});
    ws.on("unexpected-response", (_req, res) => {
      res.resume();
      ws.terminate();
    });
    ws.on("close", (code) => {
      clearInterval(ping);
      sockets.delete(ws);
      if (stopping) return;
      if (!opened) {
        counts.wsConnectFailures += 1;
      } else {
        counts.wsCloses += 1;
        counts.wsLostEchoes += Math.max(0, outstanding);
        if (code !== 1001) {
          counts.wsClosesWithout1001 += 1;
          bump(counts.wsOtherCodes, String(code));
        }
      }
      setTimeout(openWs, options.reconnectMs);
    });
  };
  for (let i = 0; i < options.wsClients; i += 1) openWs();

  return {
    async stop(): Promise<LoadCounts> {
      clearInterval(httpTimer);
      await Promise.all(pending);
      stopping = true;
      for (const client of sse) {
        client.stop();
        const { failureReasons, ...numbers } = client.stats;
        for (const [key, value] of Object.entries(numbers)) counts.sse[key as Exclude<keyof SseStats, "failureReasons">] += value;
        for (const [reason, n] of Object.entries(failureReasons)) counts.sse.failureReasons[reason] = (counts.sse.failureReasons[reason] ?? 0) + n;
      }
      for (const ws of sockets) ws.terminate();
      agent.destroy();
      return counts;
    },
  };
}
