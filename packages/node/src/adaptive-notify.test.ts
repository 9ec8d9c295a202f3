/**
 * The root README's "Adaptive notify" example, run as written (with the test's quiet logging and a short
 * timing): a balancer polls readiness every 100 ms on new connections, which is not traffic, so the drain starts at
 * `minMs`; a client that keeps coming holds notify open until it stops for `quietMs`.
 */
import { createServer } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { drain } from "./drain.ts";
import { writeResponse } from "./respond.ts";
import { listen, QUIET } from "./testing/net.ts";

const servers: { close(): unknown }[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** The README's example, with its durations as parameters. */
function readmeExample(notifyMs: { minMs: number; quietMs: number; maxMs: number }) {
  // --- as in the README ---
  const server = createServer((req, res) => {
    // Pass the request: a balancer's readiness polls are probes, not traffic, and must not hold notify open.
    if (req.url === "/ready") return void writeResponse(res, d.readiness(req));
    res.end("ok");
  });
  const d = drain(server, { notifyMs, timeoutMs: 30_000, ...QUIET });
  d.on("report", (report) => console.log(report.notify)); // { kind: "adaptive", endedBy: "quiet", durationMs: …, lastArrivalAt: … }
  // --- end ---
  servers.push(server);
  return { server, d };
}

async function poll(port: number, path: string): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { connection: "close" } });
  await response.text();
  return response.status;
}

describe("adaptive notify on Node (the README example)", () => {
  it("readiness polls are not traffic: the drain starts at minMs", async () => {
    const { server, d } = readmeExample({ minMs: 400, quietMs: 300, maxMs: 5_000 });
    const port = await listen(server);
    const stopped = d.shutdown({ reason: "test" });
    const statuses: number[] = [];
    while (d.phase === "notify") {
      statuses.push(await poll(port, "/ready"));
      await new Promise((resolve) => setTimeout(resolve, 50)); // a balancer's check interval, not a wait for an event
    }
    const report = await stopped;
    expect(statuses.length).toBeGreaterThanOrEqual(3);
    expect(new Set(statuses)).toEqual(new Set([503]));
    expect(report.notify).toMatchObject({ kind: "adaptive", endedBy: "min", lastArrivalAt: null });
    expect(report.notify?.durationMs).toBeGreaterThanOrEqual(400);
    expect(report.notify?.durationMs).toBeLessThan(400 + 1_000);
  });

  it("a client that keeps coming holds notify open until it has been quiet for quietMs", async () => {
    const { server, d } = readmeExample({ minMs: 100, quietMs: 300, maxMs: 5_000 });
    const port = await listen(server);
    const stopped = d.shutdown({ reason: "test" });
    for (let i = 0; i < 8; i++) {
      expect(await poll(port, "/")).toBe(200);
      expect(d.phase).toBe("notify");
      await new Promise((resolve) => setTimeout(resolve, 100)); // the client's request rate
    }
    const report = await stopped;
    const n = report.notify;
    expect(n).toMatchObject({ kind: "adaptive", endedBy: "quiet" });
    if (n === undefined || n.lastArrivalAt === null) throw new Error("no last arrival in the report");
    expect(n.durationMs - (n.lastArrivalAt - n.startedAt)).toBeGreaterThanOrEqual(300);
  });
});
