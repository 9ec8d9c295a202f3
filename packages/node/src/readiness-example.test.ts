// The root README's "Readiness at start-up" example, run as written (a port of 0 instead of 3000, drain's own
// signal and exit handling off so the test process is left alone).
import { createServer } from "node:http";
import { afterEach, expect, it } from "vitest";
import { drain, writeResponse } from "./index.ts";
import { listen, QUIET } from "./testing/net.ts";

let close: (() => void) | undefined;
afterEach(() => close?.());

it("the README's readiness-at-start-up example: /ready 503 until d.ready(), then 200; /live 200 throughout", async () => {
  let warm: () => void = () => {};
  const warmCaches = (): Promise<void> => new Promise((resolve) => (warm = resolve));

  const server = createServer((req, res) => {
    if (req.url === "/ready") return void writeResponse(res, d.readiness(req)); // 503 "starting" until d.ready()
    if (req.url === "/live") return void writeResponse(res, d.liveness(req)); // 200 throughout
    res.end("hello");
  });
  const d = drain(server, { ...QUIET, startReady: false });
  close = () => server.close();
  const port = await listen(server);
  const started = warmCaches().then(() => d.ready());

  const status = async (path: string): Promise<number> => (await fetch(`http://127.0.0.1:${port}${path}`)).status;
  expect(await status("/ready")).toBe(503);
  expect(await status("/live")).toBe(200);
  expect(await status("/")).toBe(200);
  warm();
  await started;
  expect(await status("/ready")).toBe(200);
  expect(await status("/live")).toBe(200);
  d.dispose();
});
