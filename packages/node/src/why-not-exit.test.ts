import { createServer, type Server } from "node:http";
import type { Report } from "@drain/core";
import { afterEach, describe, expect, it } from "vitest";
import { drain } from "./drain.ts";
import { get, listen, rawClient } from "./testing/net.ts";

const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

describe("why did it not exit? (the root README's example)", () => {
  it("lists the forced request with its peer, method, path and bytes, and says what still holds the process", async () => {
    const server = createServer((req, res) => {
      if (req.url !== "/hang") res.end("ok");
    });
    servers.push(server);
    const warnings: unknown[][] = [];
    const console = { warn: (...args: unknown[]) => warnings.push(args) };
    const lines: string[] = [];

    // The README's example, with a short budget.
    const d = drain(server, { timeoutMs: 300, exit: false, signals: false, logger: { info: () => {}, warn: (line) => lines.push(line), error: () => {} } });
    d.on("report", (report) => {
      for (const item of report.forcedItems) console.warn(item.kind, item.method, item.path, item.peer, item.ageMs);
    });
    const stillRunning = new Promise<readonly string[] | undefined>((resolve) => d.on("still-running", ({ holders }) => resolve(holders)));

    const port = await listen(server);
    const client = await rawClient(port);
    client.send(get("/hang"));
    // The request has reached the server once a second one on another connection is answered.
    const other = await rawClient(port);
    other.send(get("/", { connection: "close" }));
    await other.waitFor((text) => text.endsWith("ok"));
    const report: Report = await d.shutdown();

    expect(report.forcedItems).toHaveLength(1);
    const [item] = report.forcedItems;
    expect(item).toMatchObject({ kind: "http1", method: "GET", path: "/hang", ageIsLowerBound: false, bytesSent: 0 });
    expect(item?.peer).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(item?.ageMs).toBeGreaterThanOrEqual(300);
    expect(warnings).toEqual([["http1", "GET", "/hang", item?.peer, item?.ageMs]]);
    expect(lines).toContain(`drain: forced 1: http1 GET /hang from ${item?.peer} (${((item?.ageMs ?? 0) / 1000).toFixed(1)} s old, 0 bytes sent)`);

    // This test's own process is held (by vitest's worker, at least): drain names what holds it, 2 s after the report.
    const holders = await stillRunning;
    expect(Array.isArray(holders)).toBe(true);
    expect(lines.some((line) => line.startsWith("drain: the process is still running 2.0 s after the report; what holds it: "))).toBe(true);
  }, 10_000);
});
